"""Account-manager and org performance scores for a period (METRICS.md §7, 贷后管理考核).

Each of six components has a raw figure (numerator / denominator), a 0–100 score and a weight
(``scores.weights``); the total is the weighted sum of the scores. The raw figures come from one
grouped query per component over every manager (or org) of the scope at once; the scoring is
vectorised pandas. Migration, recovery and warning handling read the sums stored at load per
period, manager and booking org (``warehouse.aggregates.scores``, which holds the per-item SQL
of the loan- and signal-based components) when the period is stored with the rules in force,
and compute them from the facts otherwise: the same sums either way. HR allocates bonuses from
these frames, so the figures are exact where they can be: amounts are summed as DECIMAL
(handover shares as exact integer fractions, below), and only the final sums become floats, so
the same inputs and settings give the identical frame.

How the rules are read (METRICS.md §7 leaves these open):

- Period: (start, end] between month ends (``metrics.periods.Period``); the period's month ends
  are those after start up to end (3 for a quarter).
- Scope: the org subtree (and ``Scope.manager_id``); a score is about a manager's whole book in
  the subtree, so the product, customer-type, industry and guarantee filters are refused. An
  obligation, loan or signal is in the scope through its booking org, an inspection through
  its inspector's org (as in §5).
- Responsibility follows whoever managed each loan in each month of the period:
  - timeliness: obligations due in (start, end], status at the end (§5: on-time rate), each
    held by ``fct_obligation.manager_id``: the manager at its due date;
  - report quality: the manager's own inspections dated in the period (§5: an inspection
    belongs to its inspector);
  - asset quality: NPL ratio by balance of the loans on the book at the end, held by their
    manager at the end (the spec's "at period end");
  - migration and recovery: each loan's numerator and denominator are split among its managers
    by the share of the period's month ends at which each managed it (a snapshot naming the
    manager, including the row of the month the loan leaves the book); a loan without a
    snapshot in the period stays with its manager at the start. A share k/n (n ≤ 12) is held as
    the integer k × L / n with L = lcm(1, …, months), so split amounts add up exactly;
  - warning handling: a signal is held by the customer's largest loan (balance, then contract
    amount, then loan id, among its snapshots, as in §5) at the latest month end on or before
    the signal date, and that loan's manager then (a period starts at a month end, so that is
    one of the month ends from the start to the end); before the customer's first snapshot in
    the period, its first one after. A signal on a customer without any snapshot in the
    period (its loans left the book before) is nobody's: it is left out of every figure.
- Migration: §2's performing-loan migration rate from start to end: Σ closing balance of the
  normal and special-mention cohort loans NPL at the end / Σ closing balance of those cohorts
  (a loan off the book at the end adds 0 to both).
- Recovery: the loans on the book at the start that were NPL or more than 90 days past due
  then; recovered = Σ ``amount_recovered`` of their collection actions dated in the period, or
  for a loan without any (Σ 0), the fall in balance: balance at the start − balance at the end
  (the whole balance for a loan settled meanwhile). A write-off or transfer recovers nothing:
  for a loan whose last snapshot by the end is written off or transferred, the fall is measured
  to its last month end on the book. A fall below 0 counts as 0. Rate = recovered / Σ balance
  at the start.
- Warning handling: signals of every severity raised in the period; resolved in time when the
  ``resolved_date`` is within ``signal_resolution_days`` days of the signal date and on or
  before the end. A signal whose window ends after the period end and that is not resolved by
  then is left out (undecided); one marked resolved without a date counts as not in time.
- Scoring: timeliness, report quality and warning handling rate × 100; asset quality 100 at or
  below ``npl_target``, linearly to 0 at ``npl_cap``; migration 100 at 0, linearly to 0 at
  ``migration_cap``; recovery min(100, rate / ``recovery_target`` × 100). Scores are rounded to
  2 decimals (half up) and the total is Σ effective weight × rounded score / 100, rounded
  likewise, so that the frame explains its own total.
- A component whose denominator is 0 has no data: raw and score NaN, effective weight 0, and
  the other weights are rescaled to sum to 100. Not rated (total NaN): ``few_obligations`` —
  fewer than ``min_obligations`` obligations due in the period and no loan on the book at the
  end; ``no_data`` — no component with data carries weight.
"""

from __future__ import annotations

from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from daihou.settings import ScoreRules, Settings
from metrics import obligations as ob
from metrics.periods import Period
from metrics.scope import Scope
from warehouse.aggregates import scores as stored
from warehouse.aggregates.scores import ITEM_COMPONENTS, item_params, item_sql

COMPONENTS: tuple[str, ...] = ScoreRules.COMPONENTS
NOT_RATED_REASONS: tuple[str, ...] = ("few_obligations", "no_data")

_FIGURES = """
    sum(numerator)::DOUBLE / $scale AS numerator,
    sum(denominator)::DOUBLE / $scale AS denominator,
    sum(loans)::BIGINT AS loans
"""
_MANAGER_FILTER = "($scope_manager_id IS NULL OR i.manager_id = $scope_manager_id)"

_TAILS = {
    "manager": f"""
    SELECT i.manager_id AS key, {_FIGURES}
    FROM item AS i
    WHERE i.manager_id IS NOT NULL AND {_MANAGER_FILTER}
    GROUP BY i.manager_id
    """,
    "org": f"""
    , unit AS (
        SELECT o.org_id AS unit_org_id, b.org_id
        FROM dim_org AS o
        JOIN bridge_org_subtree AS b ON b.ancestor_org_id = o.org_id
        WHERE o.parent_org_id = $scope_org_id
    )
    SELECT u.unit_org_id AS key, {_FIGURES}
    FROM item AS i
    JOIN unit AS u ON u.org_id = i.org_id
    WHERE {_MANAGER_FILTER}
    GROUP BY u.unit_org_id
    """,
}

# The per-item components (the others, timeliness and report quality, come from §5's functions),
# and their items as stored at load: the whole bank's sums per (manager, booking org).
_STORED_ITEMS = """
    SELECT c.manager_id, c.org_id, c.numerator, c.denominator, c.loans
    FROM agg_score_component AS c
    WHERE c.component = $component AND c.period_end = $end AND c.months = $months
      AND c.org_id IN (SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = $scope_org_id)
"""

_STAFF = """
    SELECT st.staff_id AS manager_id, st.staff_name AS manager_name, st.org_id,
           o.org_name
    FROM dim_staff AS st
    LEFT JOIN dim_org AS o ON o.org_id = st.org_id
"""

_UNITS = """
    SELECT o.org_id AS unit_org_id, o.org_name, b.org_id
    FROM dim_org AS o
    JOIN bridge_org_subtree AS b ON b.ancestor_org_id = o.org_id
    WHERE o.parent_org_id = $scope_org_id
"""

By = Literal["manager", "org"]


def component_sql(component: str, by: By) -> str:
    """The grouped SQL of a per-item component from the facts (the floor of benchmarks, and the
    path of a period not stored at load): columns key, numerator, denominator, loans."""
    return f"WITH item AS ({item_sql(component)}) {_TAILS[by]}"


_DETAIL = """
    SELECT i.item, sum(i.numerator)::DOUBLE / $scale AS numerator,
           sum(i.denominator)::DOUBLE / $scale AS denominator
    FROM item AS i
    WHERE i.manager_id = $manager_id
    GROUP BY i.item
    ORDER BY denominator DESC, numerator DESC, i.item
"""


def component_items(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    period: Period,
    settings: Settings,
    component: str,
    manager_id: str,
) -> pd.DataFrame:
    """What one manager's figure of a loan- or signal-based component is made of: item (the
    loan, or the signal for warning handling), numerator, denominator — the manager's share
    of each after handover splits; they add up to that manager's row of manager_scores. Reads
    only the loans (customers) the manager held at a month end of the period."""
    _check_scope(scope)
    params = item_params(
        component, scope.org_id, period.start, period.end, period.months, settings.scores
    )
    params["manager_id"] = manager_id
    params.setdefault("scale", 1)
    return con.execute(f"WITH item AS ({item_sql(component, mine=True)}) {_DETAIL}", params).df()


def component_params(
    component: str, scope: Scope, period: Period, rules: ScoreRules
) -> dict[str, object]:
    """The bound parameters of ``component_sql(component, …)``."""
    params = item_params(component, scope.org_id, period.start, period.end, period.months, rules)
    params.setdefault("scale", 1)
    params["scope_manager_id"] = scope.manager_id
    return params


def _component_figures(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    period: Period,
    rules: ScoreRules,
    component: str,
    by: By,
    is_stored: bool,
) -> pd.DataFrame:
    """A per-item component's figures by key: from the sums stored at load when the period
    is stored with these rules (``is_stored``), else from the facts (the same sums, METRICS.md
    §7)."""
    params = component_params(component, scope, period, rules)
    if not is_stored or component not in stored.STORED:
        return con.execute(component_sql(component, by), params).df()
    reads = {
        "scope_org_id": scope.org_id,
        "scope_manager_id": scope.manager_id,
        "end": period.end,
        "months": period.months,
        "component": component,
        "scale": params["scale"],
    }
    return con.execute(f"WITH item AS ({_STORED_ITEMS}) {_TAILS[by]}", reads).df()


def _check_scope(scope: Scope) -> None:
    if scope.has_loan_filters:
        raise ValueError(
            "scores are computed for an org subtree (and a manager), not for loan filters "
            "(product, customer type, industry, guarantee type)"
        )


def _raw_figures(
    con: duckdb.DuckDBPyConnection, scope: Scope, period: Period, settings: Settings, by: By
) -> dict[str, pd.DataFrame]:
    """Per component, a frame indexed by key with numerator, denominator (and loans)."""
    raw: dict[str, pd.DataFrame] = {}
    start, end = period.start, period.end
    rules = settings.inspection
    if by == "manager":
        timely = ob.compliance_by_manager(con, scope, start, end, end, rules)
        timely = timely[timely.manager_id.notna()].rename(columns={"manager_id": "key"})
    else:
        timely = ob.compliance_by_org(con, scope, start, end, end, rules)
        timely = timely[~timely.is_own_book].rename(columns={"org_id": "key"})
    raw["timeliness"] = _figures(timely[timely.due > 0], "key", "on_time", "due")

    reports = ob.report_quality_by_manager(con, scope, start, end, rules)
    reports = reports[reports.manager_id.notna()]
    if by == "org":
        staff_unit = _staff_units(con, scope)
        reports = reports.assign(key=reports.manager_id.map(staff_unit)).dropna(subset=["key"])
    else:
        reports = reports.rename(columns={"manager_id": "key"})
    raw["report_quality"] = _figures(reports, "key", "good", "inspections")

    rules_stored = stored.built_rules(con, period.end, period.months)
    is_stored = rules_stored == settings.scores.signal_resolution_days
    for component in ITEM_COMPONENTS:
        frame = _component_figures(con, scope, period, settings.scores, component, by, is_stored)
        raw[component] = frame.set_index("key").sort_index()
    return raw


def _figures(frame: pd.DataFrame, key: str, numerator: str, denominator: str) -> pd.DataFrame:
    """numerator and denominator (floats) summed per key."""
    out = frame.groupby(key)[[numerator, denominator]].sum().astype(float)
    out.columns = ["numerator", "denominator"]
    out.index.name = "key"
    return out.sort_index()


def _staff_units(con: duckdb.DuckDBPyConnection, scope: Scope) -> pd.Series:
    """Each staff member's direct child org of the scope (the staff of its subtree)."""
    frame = con.execute(
        f"SELECT st.manager_id, u.unit_org_id FROM ({_STAFF}) AS st "
        f"JOIN ({_UNITS}) AS u ON u.org_id = st.org_id",
        {"scope_org_id": scope.org_id},
    ).df()
    return frame.set_index("manager_id").unit_org_id


def _round2(values: pd.Series) -> pd.Series:
    """Half up to 2 decimals, on the decimal value (0.125 → 0.13) rather than its binary
    approximation: scores are at most 100, so 6 decimals absorb the representation error."""
    return np.floor(np.round(values * 100, 6) + 0.5) / 100


def _scores(raw: pd.Series, component: str, rules: ScoreRules) -> pd.Series:
    """The 0–100 score of a component's raw figure (NaN stays NaN)."""
    if component == "asset_quality":
        score = 100 * (rules.npl_cap - raw) / (rules.npl_cap - rules.npl_target)
    elif component == "migration":
        score = 100 * (1 - raw / rules.migration_cap)
    elif component == "recovery":
        score = 100 * raw / rules.recovery_target
    else:
        score = 100 * raw
    return _round2(score.clip(0, 100))


def _score_frame(raw: dict[str, pd.DataFrame], rules: ScoreRules) -> pd.DataFrame:
    """Components, weights, total and rating per key, from the raw figures."""
    keys = sorted(set().union(*(frame.index for frame in raw.values())))
    out = pd.DataFrame(index=pd.Index(keys, name="key", dtype=object))
    base = {}
    for c in COMPONENTS:
        figures = raw[c].reindex(out.index)
        numerator = figures.numerator.fillna(0.0).astype(float)
        denominator = figures.denominator.fillna(0.0).astype(float)
        ratio = (numerator / denominator.where(denominator != 0)).astype(float)
        out[f"{c}_numerator"] = numerator
        out[f"{c}_denominator"] = denominator
        out[f"{c}_raw"] = ratio
        out[f"{c}_score"] = _scores(ratio, c, rules)
        base[c] = ratio.notna() * float(rules.weights[c])
    present = sum(base.values())
    for c in COMPONENTS:
        out[f"{c}_weight"] = (base[c] * 100 / present.where(present > 0)).fillna(0.0)
    weighted = sum(base[c] * out[f"{c}_score"].fillna(0.0) for c in COMPONENTS)
    total = _round2(weighted / present.where(present > 0))
    obligations = raw["timeliness"].denominator.reindex(out.index).fillna(0).astype("int64")
    loans = raw["asset_quality"].loans.reindex(out.index).fillna(0).astype("int64")
    few = (obligations < rules.min_obligations) & (loans == 0)
    code = np.where(few, "few_obligations", np.where(present <= 0, "no_data", ""))
    reason = pd.Series(code, index=out.index, dtype=object).where(code != "", None)
    rated = reason.isna()
    out["total"] = total.where(rated)
    out["rated"] = rated.astype(bool)
    out["not_rated_reason"] = reason
    out["obligations"] = obligations
    out["loans"] = loans
    return out


def _ordered(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Best total first, the not rated last, then by key; a fresh 0…n−1 index."""
    return frame.sort_values(
        ["rated", "total", key], ascending=[False, False, True], na_position="last", kind="stable"
    ).reset_index(drop=True)


def score_columns() -> list[str]:
    """The component, total and rating columns of both frames, in order."""
    parts = ("numerator", "denominator", "raw", "score", "weight")
    return [f"{c}_{p}" for c in COMPONENTS for p in parts] + [
        "total",
        "rated",
        "not_rated_reason",
        "obligations",
        "loans",
    ]


def manager_scores(
    con: duckdb.DuckDBPyConnection, scope: Scope, period: Period, settings: Settings
) -> pd.DataFrame:
    """The §7 score of every account manager with an obligation, loan, inspection or signal in
    the scope in the period (METRICS.md §7; readings in the module docstring): an obligation due
    in it, an inspection dated in it, a loan on the book at its end or in the migration or
    recovery basis, or a signal raised in it and decided by its end.

    Columns: manager_id, manager_name, org_id, org_name (the manager's own org), then per
    component c of COMPONENTS: c_numerator, c_denominator (counts or yuan), c_raw (ratio, NaN
    without data), c_score (0–100, 2 decimals, NaN without data), c_weight (effective weight,
    0 when left out); then total (2 decimals, NaN when not rated), rated, not_rated_reason
    (None, ``few_obligations`` or ``no_data``), obligations (due in the period), loans (on the
    book at the end). Best total first, the not rated last, then manager_id.
    """
    _check_scope(scope)
    raw = _raw_figures(con, scope, period, settings, "manager")
    scored = _score_frame(raw, settings.scores)
    staff = con.execute(_STAFF).df().set_index("manager_id")
    people = staff.reindex(scored.index)
    frame = pd.DataFrame(
        {
            "manager_id": scored.index.astype(object),
            "manager_name": people.manager_name.to_numpy(dtype=object),
            "org_id": people.org_id.to_numpy(dtype=object),
            "org_name": people.org_name.to_numpy(dtype=object),
        }
    )
    frame = pd.concat([frame, scored.reset_index(drop=True)[score_columns()]], axis=1)
    return _ordered(frame, "manager_id")


def org_scores(
    con: duckdb.DuckDBPyConnection, scope: Scope, period: Period, settings: Settings
) -> pd.DataFrame:
    """The §7 score of each direct child org of the scope's org, every raw figure computed over
    the child's subtree (not averaged from its managers): org_id, org_name, then the columns of
    manager_scores after org_name. Children without any figure are left out."""
    _check_scope(scope)
    raw = _raw_figures(con, scope, period, settings, "org")
    scored = _score_frame(raw, settings.scores)
    names = con.execute(
        "SELECT org_id, org_name FROM dim_org WHERE parent_org_id = $scope_org_id",
        {"scope_org_id": scope.org_id},
    ).df()
    names = names.set_index("org_id").org_name.reindex(scored.index)
    frame = pd.DataFrame(
        {
            "org_id": scored.index.astype(object),
            "org_name": names.to_numpy(dtype=object),
        }
    )
    frame = pd.concat([frame, scored.reset_index(drop=True)[score_columns()]], axis=1)
    return _ordered(frame, "org_id")
