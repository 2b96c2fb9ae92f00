"""Vintage curves (账龄分析) of a scope: delinquency by cohort and month on book (METRICS.md §4).

Cohort = loans disbursed in one calendar month; MOB n is the month end n months after the
disbursement month's own end (MOB 0). Only MOBs whose month end is in the data are shown.

Only cohorts whose MOB 0 month end is in the data are shown, for both bases. So cohorts
disbursed before the first month end in the data are left out: their early MOBs are missing
(ever-delinquency needs the whole history), and their loans that left the book before the data
starts are missing from the extract, so their contract amount and count (the denominators)
would be those of the survivors only. (The same holds for a month missing from the data.)

Figures come from the ``agg_vintage_*`` tables (for an account manager's scope the
``agg_vintage_manager_*`` twins), built at load time for the thresholds then in
``rules.vintage_thresholds``: a settings change reaches them with the next load. Until then,
and for a warehouse without the tables, the same figures are computed from the loan rows with
the same per-loan SQL (slower). In a manager's scope a loan belongs to the manager responsible
for it at MOB 0 (the snapshot at the disbursement month end; a loan without one is in no
manager's vintage).
"""

from __future__ import annotations

from typing import Literal, get_args

import duckdb
import pandas as pd

from daihou.settings import AssetQualityRules
from metrics.aggregate_scope import (
    AGGREGATE_MANAGER_FILTER,
    AGGREGATE_SCOPE_FILTER,
    aggregate_params,
    manager_aggregate_params,
)
from metrics.scope import SCOPED_LOANS, SNAPSHOT_MANAGER_FILTER, Scope
from warehouse.aggregates.transitions import (
    COHORT_LOANS,
    LOAN_DELINQUENCY,
    MANAGER_VINTAGE_TABLES,
    MOB_GRID,
    built_rules,
)
from warehouse.connection import has_table

Basis = Literal["current_amount", "ever_count"]

COLUMNS = [
    "cohort_month",
    "mob",
    "value",
    "numerator",
    "denominator",
    "cohort_loans",
    "cohort_amount",
]

# From CTEs cohort(cohort_month, cohort_loans, cohort_amount), delinquency(cohort_month, mob,
# delinquent_balance, newly_delinquent) and mob_grid(cohort_month, mob, month_end): one row per
# cohort × MOB in the data, with both bases.
_CURVES = """
curve AS (
    SELECT
        c.cohort_month,
        g.mob,
        c.cohort_loans,
        c.cohort_amount,
        coalesce(d.delinquent_balance, 0) AS delinquent_balance,
        -- ever over the threshold by MOB n = loans first over it at a MOB ≤ n
        sum(coalesce(d.newly_delinquent, 0))
            OVER (PARTITION BY c.cohort_month ORDER BY g.mob) AS ever_delinquent
    FROM cohort AS c
    JOIN mob_grid AS g ON g.cohort_month = c.cohort_month
    LEFT JOIN delinquency AS d ON d.cohort_month = c.cohort_month AND d.mob = g.mob
)
SELECT
    cohort_month,
    mob,
    cohort_loans,
    cohort_amount::DOUBLE AS cohort_amount,
    delinquent_balance::DOUBLE AS delinquent_balance,
    ever_delinquent,
    (delinquent_balance / nullif(cohort_amount, 0))::DOUBLE AS current_amount,
    (ever_delinquent / cohort_loans)::DOUBLE AS ever_count
FROM curve
ORDER BY cohort_month, mob
"""


def _aggregate_curves(cohort_table: str, delinquency_table: str, where: str) -> str:
    """The curves from a pair of vintage aggregates, their rows narrowed by ``where``."""
    return f"""
WITH cohort AS (
    SELECT a.cohort_month, sum(a.cohort_loans) AS cohort_loans,
           sum(a.cohort_amount) AS cohort_amount
    FROM {cohort_table} AS a
    WHERE {where}
    GROUP BY a.cohort_month
),
delinquency AS (
    SELECT a.cohort_month, a.mob, sum(a.delinquent_balance) AS delinquent_balance,
           sum(a.newly_delinquent) AS newly_delinquent
    FROM {delinquency_table} AS a
    WHERE a.threshold = $threshold AND {where}
    GROUP BY a.cohort_month, a.mob
),
mob_grid AS (SELECT * FROM agg_vintage_mob),
{_CURVES}
"""


_AGGREGATE_CURVES = _aggregate_curves(
    "agg_vintage_cohort", "agg_vintage_delinquency", AGGREGATE_SCOPE_FILTER
)
# A scope with a manager (manager at MOB 0), from the per-manager twins.
_MANAGER_AGGREGATE_CURVES = _aggregate_curves(
    *MANAGER_VINTAGE_TABLES, f"{AGGREGATE_MANAGER_FILTER} AND {AGGREGATE_SCOPE_FILTER}"
)

# The same from the loan rows (any scope; a manager's loans are those of their MOB 0 row).
_LOAN_CURVES = f"""
WITH scoped_loan AS ({SCOPED_LOANS}),
month_end AS (SELECT DISTINCT as_of_date FROM fct_loan_snapshot),
candidate_loan AS (
    SELECT l.* FROM scoped_loan AS l
    LEFT JOIN fct_loan_snapshot AS s
      ON s.loan_id = l.loan_id AND s.as_of_date = last_day(l.disbursement_date)
    WHERE {SNAPSHOT_MANAGER_FILTER}
),
cohort_loan AS ({COHORT_LOANS}),
loan_delinquency AS ({LOAN_DELINQUENCY}),
cohort AS (
    SELECT cohort_month, count(*) AS cohort_loans, sum(contract_amount) AS cohort_amount
    FROM cohort_loan GROUP BY cohort_month
),
delinquency AS (
    SELECT cohort_month, mob, sum(delinquent_balance) AS delinquent_balance,
           count(*) FILTER (is_first) AS newly_delinquent
    FROM loan_delinquency GROUP BY cohort_month, mob
),
mob_grid AS ({MOB_GRID}),
{_CURVES}
"""


def vintage_curves(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    threshold: int,
    basis: Basis,
    rules: AssetQualityRules,
) -> pd.DataFrame:
    """One row per cohort × MOB in the data: the cohort's delinquency at that MOB (§4).

    basis "current_amount": Σ balance at MOB n of cohort loans on the book with dpd > threshold
    / Σ contract amount of the cohort. basis "ever_count": cohort loans with dpd > threshold at
    some MOB ≤ n / cohort loans. ``threshold`` must be one of rules.vintage_thresholds.
    Columns: cohort_month (MOB 0 month end), mob, value, numerator, denominator (yuan or loans),
    cohort_loans, cohort_amount (yuan).
    """
    if basis not in get_args(Basis):
        raise ValueError(f"basis must be one of {get_args(Basis)}, not {basis!r}")
    if threshold not in rules.vintage_thresholds:
        raise ValueError(
            f"threshold {threshold} is not in asset_quality.vintage_thresholds "
            f"{rules.vintage_thresholds}"
        )
    built = built_rules(con)
    built_for = built is not None and threshold in built.vintage_thresholds
    if built_for and scope.manager_id is None:
        params = {**aggregate_params(scope), "threshold": threshold}
        frame = con.execute(_AGGREGATE_CURVES, params).df()
    elif built_for and all(has_table(con, table) for table in MANAGER_VINTAGE_TABLES):
        params = {**manager_aggregate_params(scope), "threshold": threshold}
        frame = con.execute(_MANAGER_AGGREGATE_CURVES, params).df()
    else:
        frame = con.execute(_LOAN_CURVES, {**scope.params(), "thresholds": [threshold]}).df()
    numerator, denominator = (
        ("delinquent_balance", "cohort_amount")
        if basis == "current_amount"
        else ("ever_delinquent", "cohort_loans")
    )
    out = pd.DataFrame(
        {
            "cohort_month": frame["cohort_month"],
            "mob": frame["mob"].astype("int64"),
            "value": frame[basis].astype("float64"),
            "numerator": frame[numerator].astype("float64"),
            "denominator": frame[denominator].astype("float64"),
            "cohort_loans": frame["cohort_loans"].astype("int64"),
            "cohort_amount": frame["cohort_amount"].astype("float64"),
        }
    )
    return out[COLUMNS]
