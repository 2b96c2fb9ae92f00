"""The watch-list page's data (METRICS.md §6): the list of problem borrowers of the user's
scope at a month end, its figures, and its breakdowns by sub-unit and by manager.

Every function authorises the scope first; lists naming customers pass ``core.customer_list``.
The rules are the configured ones (fixed for the process, so not in cache keys). Results are
cached per generation, scope, month end and list filter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from daihou.access import Access, User
from daihou.settings import default_settings
from dashboard.data.core import (
    MAX_SCOPED,
    TTL,
    authorise,
    current_generation,
    cursor,
    customer_list,
)
from metrics import watchlist as metric
from metrics.scope import Scope
from metrics.watchlist import Rules, WatchlistFilter, WatchlistSummary

LIST_LIMIT = 1_000  # customers the page's table shows
EXPORT_LIMIT = 200_000  # customers in one download


def rules() -> Rules:
    """The configured watch-list, floor and inspection rules, for captions."""
    return Rules.of(default_settings())


def summary(user: User, scope: Scope, as_of: date, filters: WatchlistFilter) -> WatchlistSummary:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _summary(gen, scope, as_of, filters)


def listing(
    user: User,
    scope: Scope,
    as_of: date,
    filters: WatchlistFilter,
    limit: int = LIST_LIMIT,
) -> pd.DataFrame:
    """The first ``limit`` customers of the (filtered) list, highest score first."""
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.BORROWERS)
    return customer_list(user, _listing(gen, scope, as_of, filters, limit))


def export_rows(
    user: User, scope: Scope, as_of: date, filters: WatchlistFilter
) -> Callable[[], pd.DataFrame]:
    """The whole (filtered) list up to EXPORT_LIMIT, deferred: queried when the user clicks
    download, from the generation shown now; not cached (one-off and large)."""
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.BORROWERS)

    def rows() -> pd.DataFrame:
        with cursor(gen) as con:
            frame = metric.watchlist(con, scope, as_of, rules(), filters, EXPORT_LIMIT)
        return customer_list(user, frame)

    return rows


def by_org(user: User, scope: Scope, as_of: date, filters: WatchlistFilter) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _by_org(gen, scope, as_of, filters)


def by_manager(user: User, scope: Scope, as_of: date, filters: WatchlistFilter) -> pd.DataFrame:
    """Responsible managers of the (filtered) list with their customer counts, most first."""
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _by_manager(gen, scope, as_of, filters)


# -- internals -------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _summary(gen: str, scope: Scope, as_of: date, filters: WatchlistFilter) -> WatchlistSummary:
    with cursor(gen) as con:
        return metric.watchlist_summary(con, scope, as_of, rules(), filters)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _listing(
    gen: str, scope: Scope, as_of: date, filters: WatchlistFilter, limit: int
) -> pd.DataFrame:
    with cursor(gen) as con:
        return metric.watchlist(con, scope, as_of, rules(), filters, limit)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _by_org(gen: str, scope: Scope, as_of: date, filters: WatchlistFilter) -> pd.DataFrame:
    with cursor(gen) as con:
        return metric.watchlist_by_org(con, scope, as_of, rules(), filters)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _by_manager(gen: str, scope: Scope, as_of: date, filters: WatchlistFilter) -> pd.DataFrame:
    with cursor(gen) as con:
        return metric.watchlist_by_manager(con, scope, as_of, rules(), filters)
