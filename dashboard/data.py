"""The dashboard's one data layer: connections, caching and the user's scope.

- One read-only connection per warehouse *generation* (``st.cache_resource``). The generation
  file is the cache key: after a load swaps the warehouse link, the next call sees a new file
  and opens it, while sessions still reading the old one finish undisturbed. DuckDB
  connections are not shared between threads: each query runs on its own cursor.
- Query results are cached with ``st.cache_data`` under (generation, arguments), so a new load
  invalidates them all at once; ttl and max_entries bound the memory.
- Every scoped figure first checks that the requested org lies in the user's subtree
  (bridge_org_subtree) and raises ``ScopeError`` otherwise. Pages get data only from here.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import streamlit as st

from daihou.settings import default_settings
from metrics import data_quality, orgs, portfolio
from metrics.portfolio import PortfolioSummary
from metrics.scope import Scope
from warehouse.connection import Warehouse, WarehouseError

if TYPE_CHECKING:
    from dashboard.session import CurrentUser

_TTL = "1h"  # results only change with the generation, which is in the key; ttl frees memory
_MAX_SCOPED = 512  # (org, month) combinations kept per scoped figure
_MAX_PLAIN = 32
DOWNLOAD_LIMIT = 1_000_000  # rejected rows in one CSV download


class ScopeError(PermissionError):
    """The requested org is unknown or outside the current user's subtree."""


def warehouse_path() -> Path:
    """The warehouse link the settings name (env DAIHOU_WAREHOUSE or <data_dir>/...)."""
    return default_settings().warehouse_path


def generation() -> Path | None:
    """The generation file readers should use now, or None when nothing was loaded yet."""
    return Warehouse(warehouse_path()).current_file()


# -- org tree and scope --------------------------------------------------------------------


def root_org_id() -> str | None:
    return _root_org_id(_generation())


def visible_orgs(user: CurrentUser) -> pd.DataFrame:
    """The orgs the user may pick, in tree order: org_id, org_name, level, parent_org_id,
    depth (below the user's org), path_name."""
    return _org_tree(_generation(), user.org_id)


def may_see(user: CurrentUser, org_id: str) -> bool:
    """Whether ``org_id`` exists and lies in the user's subtree."""
    return _within(_generation(), user.org_id, org_id)


def scope_for(user: CurrentUser, org_id: str) -> Scope:
    """The scope of ``org_id`` for this user; refuses an org the user may not see."""
    scope = Scope(org_id=org_id)
    _authorise(_generation(), user, scope)
    return scope


# -- asset quality (METRICS.md §1) -----------------------------------------------------------


def month_ends() -> list[date]:
    return _month_ends(_generation())


def previous_month_end(as_of: date) -> date | None:
    """The month end to compare ``as_of`` with: the latest earlier one with data."""
    return portfolio.previous_month_end(month_ends(), as_of)


def trend_window(end: date, months: int) -> tuple[date, date]:
    """The (start, end) month ends of a trend of ``months`` months ending at ``end``."""
    return portfolio.trend_start(end, months), end


def portfolio_at(user: CurrentUser, scope: Scope, as_of: date) -> PortfolioSummary:
    gen = _generation()
    _authorise(gen, user, scope)
    return _portfolio_at(gen, scope, as_of)


def class_balance_trend(user: CurrentUser, scope: Scope, start: date, end: date) -> pd.DataFrame:
    gen = _generation()
    _authorise(gen, user, scope)
    return _class_balance_trend(gen, scope, start, end)


def children_breakdown(user: CurrentUser, scope: Scope, as_of: date) -> pd.DataFrame:
    gen = _generation()
    _authorise(gen, user, scope)
    return _children_breakdown(gen, scope, as_of)


# -- loads and rejects -----------------------------------------------------------------------


def load_runs() -> pd.DataFrame:
    return _load_runs(_generation())


def load_files(load_id: int) -> pd.DataFrame:
    return _load_files(_generation(), load_id)


def rejected_rows(
    load_id: int | None = None,
    entity: str | None = None,
    text: str | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    return _rejected_rows(_generation(), load_id, entity, text, limit)


def rejected_counts(
    load_id: int | None = None, entity: str | None = None, text: str | None = None
) -> pd.DataFrame:
    return _rejected_counts(_generation(), load_id, entity, text)


def rejected_rows_csv(
    load_id: int | None, entity: str | None, text: str | None
) -> Callable[[], bytes]:
    """A deferred CSV (UTF-8 with BOM, for Excel) of every rejected row matching the filters.

    Built only when the user clicks download, from the generation shown now.
    """
    gen = _generation()

    def build() -> bytes:
        with _cursor(gen) as con:
            frame = data_quality.rejected_rows(con, load_id, entity, text, DOWNLOAD_LIMIT)
        out = io.StringIO()
        frame.to_csv(out, index=False)
        return out.getvalue().encode("utf-8-sig")

    return build


# -- internals -------------------------------------------------------------------------------


def _generation() -> str:
    current = generation()
    if current is None:
        raise WarehouseError(f"no warehouse at {warehouse_path()}")
    return str(current)


def _authorise(gen: str, user: CurrentUser, scope: Scope) -> None:
    if not _within(gen, user.org_id, scope.org_id):
        raise ScopeError(f"org {scope.org_id!r} is unknown or outside {user.name}'s scope")


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(gen: str) -> duckdb.DuckDBPyConnection:
    return Warehouse(warehouse_path()).connect_read_only(Path(gen))


@contextmanager
def _cursor(gen: str) -> Iterator[duckdb.DuckDBPyConnection]:
    with _connection(gen).cursor() as cursor:
        yield cursor


@st.cache_data(ttl=_TTL, max_entries=_MAX_PLAIN, show_spinner=False)
def _root_org_id(gen: str) -> str | None:
    with _cursor(gen) as con:
        return orgs.root_org_id(con)


@st.cache_data(ttl=_TTL, max_entries=_MAX_PLAIN, show_spinner=False)
def _org_tree(gen: str, root: str) -> pd.DataFrame:
    with _cursor(gen) as con:
        return orgs.org_tree(con, root)


@st.cache_data(ttl=_TTL, max_entries=_MAX_SCOPED, show_spinner=False)
def _within(gen: str, ancestor: str, org_id: str) -> bool:
    with _cursor(gen) as con:
        return orgs.within_subtree(con, ancestor, org_id)


@st.cache_data(ttl=_TTL, max_entries=_MAX_PLAIN, show_spinner=False)
def _month_ends(gen: str) -> list[date]:
    with _cursor(gen) as con:
        return portfolio.month_ends(con)


@st.cache_data(ttl=_TTL, max_entries=_MAX_SCOPED, show_spinner=False)
def _portfolio_at(gen: str, scope: Scope, as_of: date) -> PortfolioSummary:
    with _cursor(gen) as con:
        return portfolio.portfolio_at(con, scope, as_of)


@st.cache_data(ttl=_TTL, max_entries=_MAX_SCOPED, show_spinner=False)
def _class_balance_trend(gen: str, scope: Scope, start: date, end: date) -> pd.DataFrame:
    with _cursor(gen) as con:
        return portfolio.class_balance_trend(con, scope, start, end)


@st.cache_data(ttl=_TTL, max_entries=_MAX_SCOPED, show_spinner=False)
def _children_breakdown(gen: str, scope: Scope, as_of: date) -> pd.DataFrame:
    with _cursor(gen) as con:
        return portfolio.children_breakdown(con, scope, as_of)


@st.cache_data(ttl=_TTL, max_entries=_MAX_PLAIN, show_spinner=False)
def _load_runs(gen: str) -> pd.DataFrame:
    with _cursor(gen) as con:
        return data_quality.load_runs(con)


@st.cache_data(ttl=_TTL, max_entries=_MAX_PLAIN, show_spinner=False)
def _load_files(gen: str, load_id: int) -> pd.DataFrame:
    with _cursor(gen) as con:
        return data_quality.load_files(con, load_id)


@st.cache_data(ttl=_TTL, max_entries=_MAX_PLAIN, show_spinner=False)
def _rejected_rows(
    gen: str, load_id: int | None, entity: str | None, text: str | None, limit: int
) -> pd.DataFrame:
    with _cursor(gen) as con:
        return data_quality.rejected_rows(con, load_id, entity, text, limit)


@st.cache_data(ttl=_TTL, max_entries=_MAX_PLAIN, show_spinner=False)
def _rejected_counts(
    gen: str, load_id: int | None, entity: str | None, text: str | None
) -> pd.DataFrame:
    with _cursor(gen) as con:
        return data_quality.rejected_counts(con, load_id, entity, text)
