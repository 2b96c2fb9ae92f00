"""What every part of the data layer shares: the warehouse generation, connections, caching
limits, and the two checks every page's data passes (scope and personal data).

- One read-only connection per warehouse *generation* (``st.cache_resource``). The generation
  file is the cache key: after a load swaps the warehouse link, the next call sees a new file
  and opens it, while sessions still reading the old one finish undisturbed. DuckDB
  connections are not shared between threads: each query runs on its own cursor.
- Results are cached with ``st.cache_data`` under (generation, arguments), so a new load
  invalidates them all at once; ttl and max_entries bound the memory.
- ``authorise`` refuses an org outside the user's subtree; ``customer_list`` is the one place
  where a list naming customers is masked for the user's role.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import streamlit as st

from daihou.settings import default_settings
from metrics import orgs
from metrics.scope import Scope
from warehouse.connection import Warehouse, WarehouseError

if TYPE_CHECKING:
    from dashboard.session import CurrentUser

TTL = "1h"  # results only change with the generation, which is in the key; ttl frees memory
MAX_SCOPED = 512  # (org, month) combinations kept per scoped figure
MAX_PLAIN = 32


class ScopeError(PermissionError):
    """The requested org is unknown or outside the current user's subtree."""


def warehouse_path() -> Path:
    """The warehouse link the settings name (env DAIHOU_WAREHOUSE or <data_dir>/...)."""
    return default_settings().warehouse_path


def generation() -> Path | None:
    """The generation file readers should use now, or None when nothing was loaded yet."""
    return Warehouse(warehouse_path()).current_file()


def current_generation() -> str:
    """The generation file as a cache key; raises when nothing was loaded yet."""
    current = generation()
    if current is None:
        raise WarehouseError(f"no warehouse at {warehouse_path()}")
    return str(current)


def authorise(gen: str, user: CurrentUser, scope: Scope) -> None:
    """Refuse a scope whose org is unknown or outside the user's subtree."""
    if not within(gen, user.org_id, scope.org_id):
        raise ScopeError(f"org {scope.org_id!r} is unknown or outside {user.name}'s scope")


def customer_list(user: CurrentUser, frame: pd.DataFrame) -> pd.DataFrame:
    """A list naming customers (customer_name: personal data), as ``user`` may see it.

    Until login and roles arrive every user is the admin demo user, who sees the names; the
    roles issue masks them here, and every such list already passes through.
    """
    return frame


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(gen: str) -> duckdb.DuckDBPyConnection:
    return Warehouse(warehouse_path()).connect_read_only(Path(gen))


@contextmanager
def cursor(gen: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of the generation's shared read-only connection, for one query."""
    with _connection(gen).cursor() as cur:
        yield cur


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def within(gen: str, ancestor: str, org_id: str) -> bool:
    with cursor(gen) as con:
        return orgs.within_subtree(con, ancestor, org_id)
