"""What every part of the data layer shares: the warehouse generation, connections, caching
limits, and the two checks every page's data passes (scope and personal data).

- One read-only connection per warehouse *generation* (``st.cache_resource``). The generation
  file is the cache key: after a load swaps the warehouse link, the next call sees a new file
  and opens it, while sessions still reading the old one finish undisturbed. A page run pins
  the generation at its start (``pin_generation``), so every figure of one run comes from the
  same load, even when a load publishes a new generation in the middle of the run. DuckDB
  connections are not shared between threads: each query runs on its own cursor.
- Results are cached with ``st.cache_data`` under (generation, arguments), so a new load
  invalidates them all at once; ttl and max_entries bound the memory.
- ``authorise`` is the one gate every figure and list passes: it refuses data the user's role
  may not reach (``daihou.access``) and an org outside the user's subtree, records the refusal
  in the audit log, and narrows an account manager's scope to their own loans. ``customer_list``
  is the one place where a list naming customers is masked for the user's role.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from daihou.access import Access, User, mask_personal_data
from daihou.accounts import Accounts
from daihou.settings import default_settings
from metrics import orgs
from metrics.scope import Scope
from warehouse.connection import Warehouse, WarehouseError

_pinned: ContextVar[Path | None] = ContextVar("daihou_generation", default=None)
TTL = "1h"  # results only change with the generation, which is in the key; ttl frees memory
MAX_SCOPED = 512  # (org, month) combinations kept per scoped figure
MAX_PLAIN = 32


class ScopeError(PermissionError):
    """The user's role may not reach this data, or the org (customer) is unknown or outside
    the user's subtree (own book)."""


def warehouse_path() -> Path:
    """The warehouse link the settings name (env DAIHOU_WAREHOUSE or <data_dir>/...)."""
    return default_settings().warehouse_path


def generation() -> Path | None:
    """The generation file readers should use now, or None when nothing was loaded yet."""
    return Warehouse(warehouse_path()).current_file()


def pin_generation() -> Path | None:
    """Fix the generation for the rest of this page run (called first by every run of the
    app); returns it, None when nothing was loaded yet."""
    current = generation()
    _pinned.set(current)
    return current


def current_generation() -> str:
    """The generation file as a cache key: the one pinned for this page run, else the current
    one; raises when nothing was loaded yet."""
    current = _pinned.get() or generation()
    if current is None:
        raise WarehouseError(f"no warehouse at {warehouse_path()}")
    return str(current)


def authorise(gen: str, user: User, scope: Scope, access: Access = Access.PORTFOLIO) -> Scope:
    """The scope as ``user`` may query it; refuses (and audits) data outside their role or
    subtree. An account manager's scope is narrowed to their own loans."""
    require(user, access, f"{access} data")
    if not within(gen, user.org_id, scope.org_id):
        refuse(user, f"org {scope.org_id}", f"org {scope.org_id!r} is unknown or outside "
               f"{user.name}'s scope")  # fmt: skip
    if user.own_book_only:
        if scope.manager_id not in (None, user.staff_id):
            refuse(user, f"manager {scope.manager_id}", "another manager's loans")
        return replace(scope, manager_id=user.staff_id)
    return scope


def require(user: User, access: Access, what: str) -> None:
    """Refuse (and audit) ``what`` unless the user's role reaches ``access`` data."""
    if not user.may(access):
        refuse(user, what, f"role {user.role!r} may not see {access} data ({what})")


def refuse(user: User, what: str, reason: str) -> None:
    """Record a refused request in the audit log and raise ScopeError."""
    audit(user, "refused", what)
    raise ScopeError(reason)


def customer_list(user: User, frame: pd.DataFrame) -> pd.DataFrame:
    """A list naming customers as ``user`` may see it: ID numbers and individuals' names
    masked for the roles that may not see them (daihou.access)."""
    return mask_personal_data(frame, user.role)


def record_export(user: User, scope: Scope, file_name: str, rows: int) -> None:
    """Audit an export: who, which file (what, org, date), the scope and the row count."""
    manager = f" manager={scope.manager_id}" if scope.manager_id else ""
    audit(user, "export", f"file={file_name} org={scope.org_id}{manager} rows={rows}")


def accounts() -> Accounts:
    """The accounts and audit-log store the settings name."""
    return Accounts(default_settings().accounts_path)


def audit(user: User | None, event: str, detail: str = "") -> None:
    """Append to the audit log as ``user`` (None: nobody signed in)."""
    accounts().record(user.username if user else None, event, detail)


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
