"""The inspection page's data (METRICS.md §5): compliance by org, manager, month and kind,
the lists of open obligations and the report quality, for the user's scope.

Every function authorises the scope first; lists naming customers pass ``core.customer_list``.
The rules are the configured inspection rules (fixed for the process, so not in cache keys).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from daihou.access import Access, User
from daihou.settings import InspectionRules, default_settings
from dashboard.data.core import (
    MAX_SCOPED,
    TTL,
    authorise,
    current_generation,
    cursor,
    customer_list,
)
from metrics import obligations
from metrics.obligations import Compliance, ReportQuality
from metrics.scope import Scope

LIST_LIMIT = 1_000  # rows of an obligation or inspection list a page shows
EXPORT_LIMIT = 100_000  # rows of one export


def rules() -> InspectionRules:
    """The configured inspection rules, for captions."""
    return default_settings().inspection


def compliance(user: User, scope: Scope, start: date, end: date, as_of: date) -> Compliance:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _compliance(gen, scope, start, end, as_of)


def by_org(user: User, scope: Scope, start: date, end: date, as_of: date) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _by_org(gen, scope, start, end, as_of)


def by_manager(user: User, scope: Scope, start: date, end: date, as_of: date) -> pd.DataFrame:
    """Compliance per responsible manager joined with their report quality (share_good,
    inspections), best on-time rate first."""
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _by_manager(gen, scope, start, end, as_of)


def trend(user: User, scope: Scope, start: date, end: date, as_of: date) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _trend(gen, scope, start, end, as_of)


def by_kind(user: User, scope: Scope, start: date, end: date, as_of: date) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _by_kind(gen, scope, start, end, as_of)


def overdue_backlog(user: User, scope: Scope, as_of: date, limit: int = LIST_LIMIT) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.BORROWERS)
    return customer_list(user, _backlog(gen, scope, as_of, limit))


def due_soon(
    user: User, scope: Scope, as_of: date, days: int, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.BORROWERS)
    return customer_list(user, _due_soon(gen, scope, as_of, days, limit))


def report_quality(user: User, scope: Scope, start: date, end: date) -> ReportQuality:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _report_quality(gen, scope, start, end)


def report_issues(
    user: User, scope: Scope, start: date, end: date, limit: int = LIST_LIMIT
) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.BORROWERS)
    return customer_list(user, _report_issues(gen, scope, start, end, limit))


# -- cached ------------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _compliance(gen: str, scope: Scope, start: date, end: date, as_of: date) -> Compliance:
    with cursor(gen) as con:
        return obligations.compliance(con, scope, start, end, as_of, rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _by_org(gen: str, scope: Scope, start: date, end: date, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return obligations.compliance_by_org(con, scope, start, end, as_of, rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _by_manager(gen: str, scope: Scope, start: date, end: date, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        owed = obligations.compliance_by_manager(con, scope, start, end, as_of, rules())
        reports = obligations.report_quality_by_manager(con, scope, start, end, rules())
    reports = reports[["manager_id", "inspections", "share_good"]]
    return owed.merge(reports, on="manager_id", how="left")


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _trend(gen: str, scope: Scope, start: date, end: date, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return obligations.compliance_trend(con, scope, start, end, as_of, rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _by_kind(gen: str, scope: Scope, start: date, end: date, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return obligations.compliance_by_kind(con, scope, start, end, as_of, rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _backlog(gen: str, scope: Scope, as_of: date, limit: int) -> pd.DataFrame:
    with cursor(gen) as con:
        return obligations.overdue_backlog(con, scope, as_of, rules(), limit)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _due_soon(gen: str, scope: Scope, as_of: date, days: int, limit: int) -> pd.DataFrame:
    with cursor(gen) as con:
        return obligations.due_soon(con, scope, as_of, days, rules(), limit)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _report_quality(gen: str, scope: Scope, start: date, end: date) -> ReportQuality:
    with cursor(gen) as con:
        return obligations.report_quality(con, scope, start, end, rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _report_issues(gen: str, scope: Scope, start: date, end: date, limit: int) -> pd.DataFrame:
    with cursor(gen) as con:
        return obligations.report_issues(con, scope, start, end, rules(), limit)
