"""Account-manager and org performance scores for a period (METRICS.md §7, 贷后管理考核).

Each of six components has a raw figure (numerator / denominator), a 0–100 score and a weight
(``scores.weights``); the total is the weighted sum of the scores. The raw figures come from one
grouped query per component over every manager (or org) of the scope at once; the scoring is
vectorised pandas. HR allocates bonuses from these frames, so the figures are exact where they
can be: amounts are summed as DECIMAL (handover shares as exact integer fractions, below), and
only the final sums become floats, so the same inputs and settings give the identical frame.

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

from math import lcm
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from daihou.settings import ScoreRules, Settings
from etl.contract import NPL_CLASSES
from metrics import obligations as ob
from metrics.periods import Period
from metrics.scope import Scope

COMPONENTS: tuple[str, ...] = ScoreRules.COMPONENTS
NOT_RATED_REASONS: tuple[str, ...] = ("few_obligations", "no_data")

_NPL = "(" + ", ".join(f"'{c}'" for c in NPL_CLASSES) + ")"

# A row ``a`` of agg_loan_month booked in the scope's org subtree.
_IN_SUBTREE = (
    "a.org_id IN (SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = $scope_org_id)"
)

# -- component items: rows of (manager_id, org_id, item, numerator, denominator, loans) -------
# (item: the loan or the signal the row is about)
# Amounts are exact DECIMAL; the loan-share components multiply them by an integer weight out
# of $scale (the tails divide the sums by it).

_ASSET_QUALITY = f"""
    SELECT a.manager_id, a.org_id, a.loan_id AS item,
           CASE WHEN a.classification IN {_NPL} THEN a.balance ELSE 0 END AS numerator,
           a.balance AS denominator, 1 AS loans
    FROM agg_loan_month AS a
    WHERE a.as_of_date = $end AND {_IN_SUBTREE}
"""

# The weights (Σ = $scale per loan) of the basis loans handed over in the period: those with a
# snapshot in the period naming another manager than at the start; each manager's share is that
# of the period's month ends at which a snapshot names them. Every other basis loan stays whole
# with its manager at the start (join with LEFT JOIN and _HOLDER / _WEIGHT).
_SHARE = """
    moved AS (
        SELECT DISTINCT s.loan_id
        FROM fct_loan_snapshot AS s
        JOIN basis AS b ON b.loan_id = s.loan_id
        WHERE s.as_of_date > $start AND s.as_of_date <= $end
          AND s.manager_id <> b.start_manager_id
    ),
    share AS (
        SELECT loan_id, manager_id,
               months * ($scale // sum(months) OVER (PARTITION BY loan_id)) AS weight
        FROM (
            SELECT s.loan_id, s.manager_id, count(*) AS months
            FROM fct_loan_snapshot AS s
            WHERE s.as_of_date > $start AND s.as_of_date <= $end
              AND s.loan_id IN (SELECT loan_id FROM moved)
            GROUP BY s.loan_id, s.manager_id
        )
    )
"""
_HOLDER = "coalesce(sh.manager_id, b.start_manager_id)"
_WEIGHT = "coalesce(sh.weight, $scale)"

# §2 performing-loan migration: normal and special-mention cohort loans at the start that are
# on the book at the end (the others add 0 to both sides).
_MIGRATION = f"""
    WITH cohort AS (
        SELECT a.loan_id, a.org_id, a.manager_id AS start_manager_id
        FROM agg_loan_month AS a
        WHERE a.as_of_date = $start AND a.classification IN ('normal', 'special_mention')
          AND {_IN_SUBTREE}
    ),
    basis AS (
        SELECT c.*, a.balance,
               CASE WHEN a.classification IN {_NPL} THEN a.balance ELSE 0 END AS npl_balance
        FROM cohort AS c
        JOIN agg_loan_month AS a ON a.loan_id = c.loan_id AND a.as_of_date = $end
    ),
    {_SHARE}
    SELECT {_HOLDER} AS manager_id, b.org_id, b.loan_id AS item,
           b.npl_balance * {_WEIGHT} AS numerator,
           b.balance * {_WEIGHT} AS denominator, 0 AS loans
    FROM basis AS b
    LEFT JOIN share AS sh ON sh.loan_id = b.loan_id
"""

_RECOVERY = f"""
    WITH basis AS (
        SELECT a.loan_id, a.org_id, a.manager_id AS start_manager_id,
               a.balance AS start_balance
        FROM agg_loan_month AS a
        WHERE a.as_of_date = $start
          AND (a.classification IN {_NPL} OR a.days_past_due > 90)
          AND {_IN_SUBTREE}
    ),
    recorded AS (
        SELECT c.loan_id, sum(c.amount_recovered) AS amount
        FROM fct_collection_action AS c
        WHERE c.action_date > $start AND c.action_date <= $end
          AND c.loan_id IN (SELECT loan_id FROM basis)
        GROUP BY c.loan_id
    ),
    -- on the book at the end?, and the balance at the last month end on the book in the period
    later AS (
        SELECT a.loan_id, max(a.as_of_date) = $end AS on_book_at_end,
               arg_max(a.balance, a.as_of_date) AS last_balance
        FROM agg_loan_month AS a
        WHERE a.as_of_date > $start AND a.as_of_date <= $end
          AND a.loan_id IN (SELECT loan_id FROM basis)
        GROUP BY a.loan_id
    ),
    loan AS (
        SELECT b.*,
            CASE WHEN coalesce(r.amount, 0) > 0 THEN r.amount
                 ELSE greatest(b.start_balance - CASE
                     WHEN l.on_book_at_end THEN l.last_balance
                     -- written off or transferred by the end: not recovered
                     WHEN x.loan_id IS NOT NULL THEN coalesce(l.last_balance, b.start_balance)
                     ELSE 0
                 END, 0)
            END AS recovered
        FROM basis AS b
        LEFT JOIN recorded AS r ON r.loan_id = b.loan_id
        LEFT JOIN later AS l ON l.loan_id = b.loan_id
        LEFT JOIN agg_loan_exit_run AS x
          ON x.loan_id = b.loan_id AND x.first_as_of_date <= $end
         AND (x.next_as_of_date IS NULL OR x.next_as_of_date > $end)
    ),
    {_SHARE}
    SELECT {_HOLDER} AS manager_id, b.org_id, b.loan_id AS item,
           b.recovered * {_WEIGHT} AS numerator,
           b.start_balance * {_WEIGHT} AS denominator, 0 AS loans
    FROM loan AS b
    LEFT JOIN share AS sh ON sh.loan_id = b.loan_id
"""

_LARGEST = "(s.balance, l.contract_amount, s.loan_id)"

_WARNING_HANDLING = f"""
    WITH signal AS (
        SELECT w.signal_id, w.customer_id, w.signal_date,
               coalesce(w.resolved_date <= least(w.signal_date + $resolution_days, $end), FALSE)
                   AS in_time,
               -- the latest month end on or before the signal date
               CASE WHEN w.signal_date = last_day(w.signal_date) THEN w.signal_date
                    ELSE last_day(w.signal_date - INTERVAL 1 MONTH) END::DATE AS month_end
        FROM fct_warning_signal AS w
        WHERE w.signal_date > $start AND w.signal_date <= $end
          -- decided by the end: its window is over, or it is resolved
          AND (w.signal_date + $resolution_days <= $end OR w.resolved_date <= $end)
    ),
    signal_loan AS (
        SELECT loan_id, customer_id, contract_amount, org_id
        FROM dim_loan
        WHERE customer_id IN (SELECT customer_id FROM signal)
    ),
    -- each signal customer's largest loan at each month end of [start, end] with a snapshot
    held AS MATERIALIZED (
        SELECT l.customer_id, s.as_of_date,
               arg_max(s.manager_id, {_LARGEST}) AS manager_id,
               arg_max(l.org_id, {_LARGEST}) AS org_id
        FROM fct_loan_snapshot AS s
        JOIN signal_loan AS l ON l.loan_id = s.loan_id
        WHERE s.as_of_date >= $start AND s.as_of_date <= $end
        GROUP BY l.customer_id, s.as_of_date
    ),
    -- most signals: the customer has a snapshot at that month end
    direct AS (
        SELECT s.signal_id, s.in_time, h.manager_id, h.org_id
        FROM signal AS s
        JOIN held AS h ON h.customer_id = s.customer_id AND h.as_of_date = s.month_end
    ),
    -- the others: its latest month end with a snapshot before, else its first after
    rest AS (
        SELECT s.*
        FROM signal AS s
        ANTI JOIN held AS h ON h.customer_id = s.customer_id AND h.as_of_date = s.month_end
    ),
    rest_held AS (SELECT * FROM held WHERE customer_id IN (SELECT customer_id FROM rest)),
    attributed AS (
        SELECT signal_id, in_time, manager_id, org_id FROM direct
        UNION ALL
        SELECT r.signal_id, r.in_time,
               coalesce(before.manager_id, after.manager_id) AS manager_id,
               coalesce(before.org_id, after.org_id) AS org_id
        FROM rest AS r
        ASOF LEFT JOIN rest_held AS before
          ON before.customer_id = r.customer_id AND r.signal_date >= before.as_of_date
        ASOF LEFT JOIN rest_held AS after
          ON after.customer_id = r.customer_id AND r.signal_date < after.as_of_date
    )
    SELECT manager_id, org_id, signal_id AS item, in_time::INTEGER AS numerator,
           1 AS denominator, 0 AS loans
    FROM attributed
    WHERE org_id IN (SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = $scope_org_id)
"""

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

# The component items computed here; timeliness and report quality come from §5's functions.
_ITEMS: dict[str, str] = {
    "asset_quality": _ASSET_QUALITY,
    "migration": _MIGRATION,
    "recovery": _RECOVERY,
    "warning_handling": _WARNING_HANDLING,
}
_SHARED = ("migration", "recovery")  # split by handover shares out of $scale

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
    """The grouped SQL of a loan- or signal-based component (for benchmarks): columns key,
    numerator, denominator, loans."""
    return f"WITH item AS ({_ITEMS[component]}) {_TAILS[by]}"


_DETAIL = """
    SELECT i.item, sum(i.numerator)::DOUBLE / $scale AS numerator,
           sum(i.denominator)::DOUBLE / $scale AS denominator
    FROM item AS i
    WHERE i.manager_id = $manager_id
    GROUP BY i.item
    ORDER BY denominator DESC, numerator DESC, i.item
"""
ITEM_COMPONENTS: tuple[str, ...] = tuple(_ITEMS)  # components with component_items


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
    of each after handover splits; they add up to that manager's row of manager_scores."""
    _check_scope(scope)
    params = component_params(component, scope, period, settings.scores)
    del params["scope_manager_id"]  # only the grouped tails filter by it
    params["manager_id"] = manager_id
    return con.execute(f"WITH item AS ({_ITEMS[component]}) {_DETAIL}", params).df()


def component_params(
    component: str, scope: Scope, period: Period, rules: ScoreRules
) -> dict[str, object]:
    """The bound parameters of ``component_sql(component, …)``."""
    params: dict[str, object] = {
        "scope_org_id": scope.org_id,
        "scope_manager_id": scope.manager_id,
        "end": period.end,
        "scale": lcm(*range(1, period.months + 1)) if component in _SHARED else 1,
    }
    if component != "asset_quality":
        params["start"] = period.start
    if component == "warning_handling":
        params["resolution_days"] = rules.signal_resolution_days
    return params


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

    for component in _ITEMS:
        params = component_params(component, scope, period, settings.scores)
        frame = con.execute(component_sql(component, by), params).df()
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
