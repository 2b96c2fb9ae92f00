"""Delinquency-bucket transitions and vintage delinquency, precomputed at load (METRICS.md §3, §4).

The bucket edges (``asset_quality.bucket_upper_edges``) and vintage thresholds
(``asset_quality.vintage_thresholds``) are applied here, at load time: the tables hold bucket
labels and per-threshold figures, not days past due, so a settings change reaches them with the
next load. ``agg_bucket_rules`` records the rules a build used; until the reload, the metric
functions answer other rules from the loan rows (correct, but slower), never from aggregates
built with different edges.

The per-loan SQL (``LOAN_TRANSITIONS``, ``COHORT_LOANS``, ``LOAN_DELINQUENCY``, ``MOB_GRID``)
is shared with ``metrics.roll_rates`` and ``metrics.vintage``, which run it directly when the
aggregates cannot answer: an account manager's scope (they carry no manager), other rules, or a
warehouse loaded before they existed. Every value reaches it as a bound parameter.
"""

from __future__ import annotations

from datetime import date

import duckdb

from daihou.settings import AssetQualityRules, Settings
from warehouse.connection import has_table

# States at t of a loan that was on the book at t−1 but is not at t (as in METRICS.md §2).
EXIT_STATES = ("settled", "written_off", "transferred")

DDL = """
-- agg_bucket_rules: one row: the rules the tables below were built with.
CREATE OR REPLACE TABLE agg_bucket_rules (
    bucket_upper_edges  INTEGER[] NOT NULL,   -- asset_quality.bucket_upper_edges
    bucket_labels       VARCHAR[] NOT NULL,   -- M0 … M{n+1}+, derived from the edges
    vintage_thresholds  INTEGER[] NOT NULL    -- asset_quality.vintage_thresholds
);

-- agg_bucket_transition: one row per month end t × booking org × product × customer type ×
-- industry × guarantee type × bucket at t−1 × state at t, over the loans on the book at t−1
-- (t−1 = the previous calendar month end). Only months t whose t−1 is in the data.
CREATE OR REPLACE TABLE agg_bucket_transition (
    month_end       DATE NOT NULL,            -- t
    org_id          VARCHAR NOT NULL,
    product         VARCHAR NOT NULL,
    customer_type   VARCHAR NOT NULL,
    industry_code   VARCHAR,
    guarantee_type  VARCHAR NOT NULL,
    from_bucket     VARCHAR NOT NULL,         -- bucket at t−1
    to_state        VARCHAR NOT NULL,         -- bucket at t if on the book, else an exit state
    loan_count      BIGINT NOT NULL,
    balance_prev    DECIMAL(38, 2) NOT NULL,  -- Σ balance at t−1
    balance_now     DECIMAL(38, 2) NOT NULL   -- Σ balance at t of those on the book at t, else 0
);

-- agg_vintage_cohort: one row per cohort month × booking org × product × customer type ×
-- industry × guarantee type. Cohort = loans disbursed in a calendar month whose month end
-- (MOB 0) is in the data; older cohorts are left out (see metrics.vintage).
CREATE OR REPLACE TABLE agg_vintage_cohort (
    cohort_month    DATE NOT NULL,            -- month end of the disbursement month (MOB 0)
    org_id          VARCHAR NOT NULL,
    product         VARCHAR NOT NULL,
    customer_type   VARCHAR NOT NULL,
    industry_code   VARCHAR,
    guarantee_type  VARCHAR NOT NULL,
    cohort_loans    BIGINT NOT NULL,
    cohort_amount   DECIMAL(38, 2) NOT NULL   -- Σ contract amount
);

-- agg_vintage_mob: one row per cohort month × MOB whose month end is in the data.
CREATE OR REPLACE TABLE agg_vintage_mob (
    cohort_month  DATE NOT NULL,
    mob           INTEGER NOT NULL,           -- months after the cohort month end
    month_end     DATE NOT NULL
);

-- agg_vintage_delinquency: one row per cohort month × MOB × booking org × product × customer
-- type × industry × guarantee type × threshold, only where a cohort loan had dpd > threshold
-- (sparse: ever-delinquent counts are the running sum of newly_delinquent over MOBs).
CREATE OR REPLACE TABLE agg_vintage_delinquency (
    cohort_month        DATE NOT NULL,
    mob                 INTEGER NOT NULL,
    org_id              VARCHAR NOT NULL,
    product             VARCHAR NOT NULL,
    customer_type       VARCHAR NOT NULL,
    industry_code       VARCHAR,
    guarantee_type      VARCHAR NOT NULL,
    threshold           INTEGER NOT NULL,         -- days past due
    delinquent_balance  DECIMAL(38, 2) NOT NULL,  -- Σ balance on the book with dpd > threshold
    newly_delinquent    BIGINT NOT NULL           -- loans first over the threshold at this MOB
);
"""


def _bucket_no(dpd: str) -> str:
    """0 for M0 (dpd 0), k for Mk (over edge k−1, up to edge k), n+1 above the last edge."""
    return (
        f"CASE WHEN {dpd} <= 0 THEN 0 "
        f"ELSE 1 + len(list_filter($bucket_edges, lambda e: {dpd} > e)) END"
    )


# One row per month end t in [$first_month, $last_month] (with t−1 in the data) per loan on
# the book at t−1; manager_id is the manager at t−1. Parameters: $bucket_edges, $bucket_labels.
LOAN_TRANSITIONS = f"""
    WITH month_end AS (SELECT DISTINCT as_of_date FROM fct_loan_snapshot),
    month_pair AS (
        SELECT t.as_of_date AS month_end, p.as_of_date AS prev_month_end
        FROM month_end AS t
        JOIN month_end AS p ON p.as_of_date = last_day(t.as_of_date - INTERVAL 1 MONTH)
        WHERE t.as_of_date BETWEEN $first_month AND $last_month
    )
    SELECT
        mp.month_end,
        p.loan_id,
        p.manager_id,
        ($bucket_labels)[{_bucket_no("p.days_past_due")} + 1] AS from_bucket,
        CASE
            WHEN n.status = 'active' AND n.balance > 0
                THEN ($bucket_labels)[{_bucket_no("n.days_past_due")} + 1]
            WHEN n.status IN ('written_off', 'transferred') THEN n.status
            ELSE 'settled'  -- settled, repaid to 0, or no row at t
        END AS to_state,
        p.balance AS balance_prev,
        CASE WHEN n.status = 'active' AND n.balance > 0 THEN n.balance ELSE 0 END AS balance_now
    FROM month_pair AS mp
    JOIN fct_loan_snapshot AS p
      ON p.as_of_date = mp.prev_month_end AND p.status = 'active' AND p.balance > 0
    LEFT JOIN fct_loan_snapshot AS n
      ON n.as_of_date = mp.month_end AND n.loan_id = p.loan_id
"""

# Loans of cohorts whose MOB 0 (the disbursement month end) is in the data, drawn from a CTE
# named candidate_loan (dim_loan, or a scope's loans). Needs a CTE month_end(as_of_date).
COHORT_LOANS = """
    SELECT cl.loan_id, last_day(cl.disbursement_date) AS cohort_month, cl.contract_amount
    FROM candidate_loan AS cl
    JOIN month_end AS m ON m.as_of_date = last_day(cl.disbursement_date)
"""

# One row per cohort loan × threshold in $thresholds × MOB at which its dpd > threshold.
# Needs a CTE cohort_loan (COHORT_LOANS).
LOAN_DELINQUENCY = """
    SELECT
        c.loan_id,
        c.cohort_month,
        (year(s.as_of_date) * 12 + month(s.as_of_date))
            - (year(c.cohort_month) * 12 + month(c.cohort_month)) AS mob,
        t.threshold,
        CASE WHEN s.status = 'active' AND s.balance > 0 THEN s.balance ELSE 0 END
            AS delinquent_balance,
        s.as_of_date = min(s.as_of_date) OVER (PARTITION BY c.loan_id, t.threshold)
            AS is_first
    FROM cohort_loan AS c
    JOIN fct_loan_snapshot AS s ON s.loan_id = c.loan_id AND s.as_of_date >= c.cohort_month
    JOIN (SELECT unnest($thresholds) AS threshold) AS t ON s.days_past_due > t.threshold
"""

# Every (cohort month, MOB) whose month end is in the data: both are month ends in the data.
# Needs a CTE month_end(as_of_date).
MOB_GRID = """
    SELECT
        c.as_of_date AS cohort_month,
        (year(m.as_of_date) * 12 + month(m.as_of_date))
            - (year(c.as_of_date) * 12 + month(c.as_of_date)) AS mob,
        m.as_of_date AS month_end
    FROM month_end AS c
    JOIN month_end AS m ON m.as_of_date >= c.as_of_date
"""

_DIMS = "l.org_id, l.product, cu.customer_type, cu.industry_code, l.guarantee_type"

_FILL_RULES = """
INSERT INTO agg_bucket_rules VALUES ($bucket_edges, $bucket_labels, $thresholds)
"""

_FILL_TRANSITION = f"""
INSERT INTO agg_bucket_transition
WITH loan_transition AS ({LOAN_TRANSITIONS})
SELECT
    t.month_end, {_DIMS}, t.from_bucket, t.to_state,
    count(*), sum(t.balance_prev), sum(t.balance_now)
FROM loan_transition AS t
JOIN dim_loan AS l ON l.loan_id = t.loan_id
JOIN dim_customer AS cu ON cu.customer_id = l.customer_id
GROUP BY ALL
ORDER BY ALL
"""

_FILL_COHORT = f"""
INSERT INTO agg_vintage_cohort
WITH month_end AS (SELECT DISTINCT as_of_date FROM fct_loan_snapshot),
candidate_loan AS (SELECT * FROM dim_loan),
cohort_loan AS ({COHORT_LOANS})
SELECT c.cohort_month, {_DIMS}, count(*), sum(c.contract_amount)
FROM cohort_loan AS c
JOIN dim_loan AS l ON l.loan_id = c.loan_id
JOIN dim_customer AS cu ON cu.customer_id = l.customer_id
GROUP BY ALL
ORDER BY ALL
"""

_FILL_MOB = f"""
INSERT INTO agg_vintage_mob
WITH month_end AS (SELECT DISTINCT as_of_date FROM fct_loan_snapshot)
{MOB_GRID}
ORDER BY cohort_month, mob
"""

_FILL_DELINQUENCY = f"""
INSERT INTO agg_vintage_delinquency
WITH month_end AS (SELECT DISTINCT as_of_date FROM fct_loan_snapshot),
candidate_loan AS (SELECT * FROM dim_loan),
cohort_loan AS ({COHORT_LOANS}),
loan_delinquency AS ({LOAN_DELINQUENCY})
SELECT
    d.cohort_month, d.mob, {_DIMS}, d.threshold,
    sum(d.delinquent_balance), count(*) FILTER (d.is_first)
FROM loan_delinquency AS d
JOIN dim_loan AS l ON l.loan_id = d.loan_id
JOIN dim_customer AS cu ON cu.customer_id = l.customer_id
GROUP BY ALL
ORDER BY ALL
"""


def rule_params(rules: AssetQualityRules) -> dict[str, list]:
    """The rules as the bound parameters the SQL above expects."""
    return {
        "bucket_edges": list(rules.bucket_upper_edges),
        "bucket_labels": rules.bucket_labels,
        "thresholds": list(rules.vintage_thresholds),
    }


def built_rules(con: duckdb.DuckDBPyConnection) -> AssetQualityRules | None:
    """The bucket edges and vintage thresholds the aggregates were built with; None if none."""
    if not has_table(con, "agg_bucket_rules"):
        return None
    rows = con.execute(
        "SELECT bucket_upper_edges, vintage_thresholds FROM agg_bucket_rules"
    ).fetchall()
    if not rows:
        return None
    edges, thresholds = rows[0]
    return AssetQualityRules(bucket_upper_edges=edges, vintage_thresholds=thresholds)


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)create the transition and vintage aggregates from the facts, with today's rules."""
    params = rule_params(settings.asset_quality)
    con.execute(DDL)
    con.execute(_FILL_RULES, params)
    con.execute(
        _FILL_TRANSITION,
        {
            "bucket_edges": params["bucket_edges"],
            "bucket_labels": params["bucket_labels"],
            "first_month": date.min,
            "last_month": date.max,
        },
    )
    con.execute(_FILL_COHORT)
    con.execute(_FILL_MOB)
    con.execute(_FILL_DELINQUENCY, {"thresholds": params["thresholds"]})
