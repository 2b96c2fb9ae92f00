"""The HR page's data (METRICS.md §7): scores per manager and per org for a period, the
obligations behind a manager's timeliness, and the bonus allocation.

HR sees staff figures, not borrowers' data: nothing here names a customer or a loan. Every
function authorises the scope first; results are cached by warehouse generation.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from daihou.access import Access, User
from daihou.settings import ScoreRules, default_settings
from dashboard.data.core import MAX_SCOPED, TTL, authorise, current_generation, cursor
from metrics import obligations, scores
from metrics.bonus import allocate
from metrics.periods import Period
from metrics.scope import Scope

# What HR may see of an obligation: no customer, no loan.
OBLIGATION_COLUMNS = ["kind", "trigger_date", "due_date", "status", "days_late", "days_overdue"]


def rules() -> ScoreRules:
    """The score configuration in force (weights, targets, caps, bonus threshold, deferral)."""
    return default_settings().scores


def scope_for(user: User, org_id: str) -> Scope:
    """The scope of ``org_id`` for staff figures; refuses an org or a role not allowed."""
    return authorise(current_generation(), user, Scope(org_id), Access.STAFF)


def manager_scores(user: User, scope: Scope, period: Period) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.STAFF)
    return _manager_scores(gen, scope, period)


def org_scores(user: User, scope: Scope, period: Period) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.STAFF)
    return _org_scores(gen, scope, period)


def manager_obligations(user: User, scope: Scope, period: Period, manager_id: str) -> pd.DataFrame:
    """The obligations due in the period that the manager held, with their status at the
    period end: kind, trigger_date, due_date, status, days_late, days_overdue."""
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.STAFF)
    return _manager_obligations(gen, scope, period, manager_id)


def component_items(
    user: User, scope: Scope, period: Period, component: str, manager_id: str
) -> pd.DataFrame:
    """The loans (or signals) behind one manager's component: item, numerator, denominator."""
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.STAFF)
    return _component_items(gen, scope, period, component, manager_id)


def allocation(user: User, scope: Scope, period: Period, pool: Decimal) -> pd.DataFrame:
    """metrics.bonus.allocate over the scope's managers with the configured threshold and
    deferred share."""
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.STAFF)
    return _allocation(gen, scope, period, pool)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _manager_scores(gen: str, scope: Scope, period: Period) -> pd.DataFrame:
    with cursor(gen) as con:
        return scores.manager_scores(con, scope, period, default_settings())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _org_scores(gen: str, scope: Scope, period: Period) -> pd.DataFrame:
    with cursor(gen) as con:
        return scores.org_scores(con, scope, period, default_settings())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _manager_obligations(gen: str, scope: Scope, period: Period, manager_id: str) -> pd.DataFrame:
    mine = Scope(scope.org_id, manager_id=manager_id)
    with cursor(gen) as con:
        owed = obligations.obligations_due(
            con, mine, period.start, period.end, default_settings().inspection
        )
    return owed[OBLIGATION_COLUMNS]


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _component_items(
    gen: str, scope: Scope, period: Period, component: str, manager_id: str
) -> pd.DataFrame:
    with cursor(gen) as con:
        return scores.component_items(con, scope, period, default_settings(), component, manager_id)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _allocation(gen: str, scope: Scope, period: Period, pool: Decimal) -> pd.DataFrame:
    rule = rules()
    frame = _manager_scores(gen, scope, period)
    return allocate(frame, pool, rule.bonus_threshold, Decimal(str(rule.bonus_deferred_share)))
