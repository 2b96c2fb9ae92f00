"""The dashboard's one data layer: pages get every figure and list from here.

Each function checks the user's scope first (``core.authorise``: the org must lie in the user's
subtree, else ``ScopeError``), then answers from a cache keyed by the warehouse generation
(``core``). Lists naming customers pass through ``core.customer_list``. This module holds the
asset-quality and load figures; the inspection, watch-list and borrower pages have their own
modules beside it (``data.inspection``, ``data.watchlist``, ``data.borrower``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from daihou.access import Access, User
from daihou.settings import AssetQualityRules, default_settings
from dashboard import exports
from dashboard.data.core import (
    MAX_PLAIN,
    MAX_SCOPED,
    TTL,
    audit,
    authorise,
    current_generation,
    cursor,
    customer_list,
    require,
    within,
)
from dashboard.data.core import ScopeError as ScopeError  # re-exported for pages and tests
from dashboard.data.core import generation as generation
from dashboard.data.core import pin_generation as pin_generation
from dashboard.data.core import warehouse_path as warehouse_path
from metrics import (
    asset_quality,
    data_quality,
    figures,
    migration,
    orgs,
    portfolio,
    roll_rates,
    vintage,
)
from metrics.asset_quality import AssetQuality
from metrics.migration import MigrationRates
from metrics.roll_rates import FlowRates
from metrics.scope import Scope
from metrics.vintage import Basis

DOWNLOAD_LIMIT = 1_000_000  # rejected rows in one CSV download


# -- org tree and scope --------------------------------------------------------------------


def visible_orgs(user: User) -> pd.DataFrame:
    """The orgs the user may pick, in tree order: org_id, org_name, level, parent_org_id,
    depth (below the user's org), path_name."""
    return _org_tree(current_generation(), user.org_id)


def may_see(user: User, org_id: str) -> bool:
    """Whether ``org_id`` exists and lies in the user's subtree."""
    return within(current_generation(), user.org_id, org_id)


def scope_for(
    user: User,
    org_id: str,
    *,
    product: str | None = None,
    customer_type: str | None = None,
    industry_code: str | None = None,
    guarantee_type: str | None = None,
) -> Scope:
    """The scope of ``org_id`` (and the optional loan filters) for this user; refuses an org
    the user may not see."""
    scope = Scope(org_id, product, customer_type, industry_code, guarantee_type)
    return authorise(current_generation(), user, scope)


# -- asset quality (METRICS.md §1) -----------------------------------------------------------


def month_ends() -> list[date]:
    return _month_ends(current_generation())


def previous_month_end(as_of: date) -> date | None:
    """The month end to compare ``as_of`` with: the latest earlier one with data."""
    return portfolio.previous_month_end(month_ends(), as_of)


def trend_window(end: date, months: int) -> tuple[date, date]:
    """The (start, end) month ends of a trend of ``months`` months ending at ``end``."""
    return portfolio.trend_start(end, months), end


def asset_quality_at(user: User, scope: Scope, as_of: date) -> AssetQuality:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _asset_quality_at(gen, scope, as_of)


def asset_quality_trend(user: User, scope: Scope, start: date, end: date) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _asset_quality_trend(gen, scope, start, end)


def asset_quality_by_org(user: User, scope: Scope, as_of: date) -> pd.DataFrame:
    """§1 figures of each direct child of the scope's org, then its own book (if any)."""
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _asset_quality_by_org(gen, scope, as_of)


def children_breakdown(user: User, scope: Scope, as_of: date) -> pd.DataFrame:
    """§1 figures of the scope's direct children (the sub-units to drill into); loans booked at
    the scope's org itself are left out, as the overview's caption says."""
    gen = current_generation()
    scope = authorise(gen, user, scope)
    by_org = _asset_quality_by_org(gen, scope, as_of)
    return by_org[~by_org["is_own_book"]].reset_index(drop=True)


def floor_breaches(user: User, scope: Scope, as_of: date) -> pd.DataFrame:
    """The §1 classification-floor breaches, largest balance first; names the customers."""
    gen = current_generation()
    scope = authorise(gen, user, scope, Access.BORROWERS)
    return customer_list(user, _floor_breaches(gen, scope, as_of))


def asset_quality_rules() -> AssetQualityRules:
    """Bucket edges, classification floors and vintage thresholds, for captions and pickers."""
    return _rules()


# -- migration, roll rates, vintage (METRICS.md §2–4) ------------------------------------------


def previous_year_end(as_of: date) -> date:
    """METRICS.md §8's default opening of a migration up to ``as_of``."""
    return figures.default_opening(as_of)


def default_opening(as_of: date) -> date | None:
    """The opening month end the page proposes: the previous year end when it has data, else
    the first month end; None when no month end with data precedes ``as_of``."""
    earlier = [d for d in month_ends() if d < as_of]
    if not earlier:
        return None
    year_end = previous_year_end(as_of)
    return year_end if year_end in earlier else earlier[0]


def migration_matrix(user: User, scope: Scope, opening: date, closing: date) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _migration_matrix(gen, scope, opening, closing)


def migration_rates(user: User, scope: Scope, opening: date, closing: date) -> MigrationRates:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _migration_rates(gen, scope, opening, closing)


def transition_matrix(user: User, scope: Scope, month: date) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _transition_matrix(gen, scope, month)


def flow_rates(user: User, scope: Scope, month: date) -> FlowRates:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _flow_rates(gen, scope, month)


def flow_rate_trend(user: User, scope: Scope, start: date, end: date) -> pd.DataFrame:
    gen = current_generation()
    scope = authorise(gen, user, scope)
    return _flow_rate_trend(gen, scope, start, end)


def vintage_curves(
    user: User, scope: Scope, threshold: int, basis: Basis, as_of: date
) -> pd.DataFrame:
    """The §4 curves as the data stood at ``as_of``: cohorts and MOBs up to that month end."""
    gen = current_generation()
    scope = authorise(gen, user, scope)
    curves = _vintage_curves(gen, scope, threshold, basis)
    cohort = pd.to_datetime(curves["cohort_month"])
    months_on_book = (as_of.year - cohort.dt.year) * 12 + (as_of.month - cohort.dt.month)
    return curves[curves["mob"] <= months_on_book].reset_index(drop=True)


# -- loads and rejects -----------------------------------------------------------------------


def load_runs(user: User) -> pd.DataFrame:
    return _load_runs(_loads_generation(user))


def load_files(user: User, load_id: int) -> pd.DataFrame:
    return _load_files(_loads_generation(user), load_id)


def rejected_rows(
    user: User,
    load_id: int | None = None,
    entity: str | None = None,
    text: str | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Rejected rows as delivered: raw values, personal data included (Access.LOADS only)."""
    return _rejected_rows(_loads_generation(user), load_id, entity, text, limit)


def rejected_counts(
    user: User, load_id: int | None = None, entity: str | None = None, text: str | None = None
) -> pd.DataFrame:
    return _rejected_counts(_loads_generation(user), load_id, entity, text)


def rejected_rows_csv(
    user: User, load_id: int | None, entity: str | None, text: str | None
) -> Callable[[], bytes]:
    """A deferred CSV (UTF-8 with BOM, for Excel) of every rejected row matching the filters.

    Built only when the user clicks download, from the generation shown now; the export goes
    to the audit log.
    """
    gen = _loads_generation(user)

    def build() -> bytes:
        with cursor(gen) as con:
            frame = data_quality.rejected_rows(con, load_id, entity, text, DOWNLOAD_LIMIT)
        audit(user, "export", f"rejected rows load={load_id} entity={entity} rows={len(frame)}")
        return exports.csv(frame)  # rejected values are hostile input: formula-guarded

    return build


# -- internals -------------------------------------------------------------------------------


def _loads_generation(user: User) -> str:
    """The current generation, after refusing a user whose role may not see load data."""
    require(user, Access.LOADS, "load runs and rejected rows")
    return current_generation()


def _rules() -> AssetQualityRules:
    """The configured floors and edges; fixed for the process, so not part of cache keys."""
    return default_settings().asset_quality


@st.cache_data(ttl=TTL, max_entries=MAX_PLAIN, show_spinner=False)
def _org_tree(gen: str, root: str) -> pd.DataFrame:
    with cursor(gen) as con:
        return orgs.org_tree(con, root)


@st.cache_data(ttl=TTL, max_entries=MAX_PLAIN, show_spinner=False)
def _month_ends(gen: str) -> list[date]:
    with cursor(gen) as con:
        return portfolio.month_ends(con)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _asset_quality_at(gen: str, scope: Scope, as_of: date) -> AssetQuality:
    with cursor(gen) as con:
        return asset_quality.asset_quality_at(con, scope, as_of, _rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _asset_quality_trend(gen: str, scope: Scope, start: date, end: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return asset_quality.asset_quality_trend(con, scope, start, end, _rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _asset_quality_by_org(gen: str, scope: Scope, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return asset_quality.asset_quality_by_org(con, scope, as_of, _rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _floor_breaches(gen: str, scope: Scope, as_of: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return asset_quality.floor_breaches(con, scope, as_of, _rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _migration_matrix(gen: str, scope: Scope, opening: date, closing: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return migration.migration_matrix(con, scope, opening, closing)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _migration_rates(gen: str, scope: Scope, opening: date, closing: date) -> MigrationRates:
    with cursor(gen) as con:
        return migration.migration_rates(con, scope, opening, closing)


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _transition_matrix(gen: str, scope: Scope, month: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return roll_rates.transition_matrix(con, scope, month, _rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _flow_rates(gen: str, scope: Scope, month: date) -> FlowRates:
    with cursor(gen) as con:
        return roll_rates.flow_rates(con, scope, month, _rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _flow_rate_trend(gen: str, scope: Scope, start: date, end: date) -> pd.DataFrame:
    with cursor(gen) as con:
        return roll_rates.flow_rate_trend(con, scope, start, end, _rules())


@st.cache_data(ttl=TTL, max_entries=MAX_SCOPED, show_spinner=False)
def _vintage_curves(gen: str, scope: Scope, threshold: int, basis: Basis) -> pd.DataFrame:
    with cursor(gen) as con:
        return vintage.vintage_curves(con, scope, threshold, basis, _rules())


@st.cache_data(ttl=TTL, max_entries=MAX_PLAIN, show_spinner=False)
def _load_runs(gen: str) -> pd.DataFrame:
    with cursor(gen) as con:
        return data_quality.load_runs(con)


@st.cache_data(ttl=TTL, max_entries=MAX_PLAIN, show_spinner=False)
def _load_files(gen: str, load_id: int) -> pd.DataFrame:
    with cursor(gen) as con:
        return data_quality.load_files(con, load_id)


@st.cache_data(ttl=TTL, max_entries=MAX_PLAIN, show_spinner=False)
def _rejected_rows(
    gen: str, load_id: int | None, entity: str | None, text: str | None, limit: int
) -> pd.DataFrame:
    with cursor(gen) as con:
        return data_quality.rejected_rows(con, load_id, entity, text, limit)


@st.cache_data(ttl=TTL, max_entries=MAX_PLAIN, show_spinner=False)
def _rejected_counts(
    gen: str, load_id: int | None, entity: str | None, text: str | None
) -> pd.DataFrame:
    with cursor(gen) as con:
        return data_quality.rejected_counts(con, load_id, entity, text)
