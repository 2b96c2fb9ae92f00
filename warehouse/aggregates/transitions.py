"""Delinquency-bucket transitions and vintage delinquency, precomputed at load (METRICS.md §3, §4).

The bucket edges (``asset_quality.bucket_upper_edges``) and vintage thresholds
(``asset_quality.vintage_thresholds``) are applied here, at load time: the tables hold bucket
labels and per-threshold figures, not days past due, so a settings change reaches them with the
next load. ``agg_bucket_rules`` records the rules a build used; until the reload, the metric
functions answer other rules from the loan rows (correct, but slower), never from aggregates
built with different edges.

Each table has a per-manager twin (``agg_bucket_manager_transition``,
``agg_vintage_manager_cohort``, ``agg_vintage_manager_delinquency``) with the responsible manager
as one more dimension, in the meaning the loan-level path gives it: the manager at t−1 for a
transition, the manager at MOB 0 for a vintage. An account manager's scope reads the twin; every
other scope the table without the manager, which is the twin summed over the managers. Separate
tables rather than manager_id in the grain of the existing ones, by measurement at medium
(1M loans): the grain with the manager has about 3× the rows (transitions 1.3M → 3.9M), and the
whole-bank roll-rate trend over it took 2.4× as long; the twins cost a few seconds of load.

The per-loan SQL (``LOAN_TRANSITIONS``, ``COHORT_LOANS``, ``LOAN_DELINQUENCY``, ``MOB_GRID``)
is shared with ``metrics.roll_rates`` and ``metrics.vintage``, which run it directly when the
aggregates cannot answer: other rules, or a warehouse loaded before they existed. Every value
reaches it as a bound parameter.

Incremental builds: every table is keyed by month (t; the cohort month; the cohort month and
MOB, whose month end is cohort month + MOB). Rows of month t come from the snapshots of t and
t−1 (transitions), of t (vintage delinquency, with the cohort loans of ``agg_vintage_loan``,
whose rows of a cohort month come from that month's loans and snapshots, the manager at MOB 0
included), as before (``is_first`` needs the loan's earlier months).
"""

from __future__ import annotations

from datetime import date

import duckdb

from daihou.settings import AssetQualityRules, Settings
from warehouse.aggregates.batches import BATCH_ROWS, snapshot_months
from warehouse.connection import has_table

# The per-manager twins of agg_bucket_transition and of the vintage cohort and delinquency
# tables; a warehouse loaded before they existed lacks them.
MANAGER_TRANSITION_TABLE = "agg_bucket_manager_transition"
MANAGER_VINTAGE_TABLES = ("agg_vintage_manager_cohort", "agg_vintage_manager_delinquency")

# States at t of a loan that was on the book at t−1 but is not at t (as in METRICS.md §2).
EXIT_STATES = ("settled", "written_off", "transferred")

DDL = """
-- agg_bucket_rules: one row: the rules the tables below were built with.
CREATE OR REPLACE TABLE agg_bucket_rules (
    bucket_upper_edges  INTEGER[] NOT NULL,   -- asset_quality.bucket_upper_edges
    bucket_labels       VARCHAR[] NOT NULL,   -- M0 … M{n+1}+, derived from the edges
    vintage_thresholds  INTEGER[] NOT NULL    -- asset_quality.vintage_thresholds
);

-- agg_bucket_manager_transition: agg_bucket_transition with one more dimension, the manager
-- responsible for the loan at t−1: one row per month end t × manager × booking org × product ×
-- customer type × industry × guarantee type × bucket at t−1 × state at t. Answers an account
-- manager's scope; sorted by manager, then t: a query of one manager skips every other row
-- group by its min/max.
CREATE OR REPLACE TABLE agg_bucket_manager_transition (
    month_end       DATE NOT NULL,            -- t
    manager_id      VARCHAR NOT NULL,         -- responsible manager at t−1
    org_id          VARCHAR NOT NULL,
    product         VARCHAR NOT NULL,
    customer_type   VARCHAR NOT NULL,
    industry_code   VARCHAR,
    guarantee_type  VARCHAR NOT NULL,
    from_bucket     VARCHAR NOT NULL,
    to_state        VARCHAR NOT NULL,
    loan_count      BIGINT NOT NULL,
    balance_prev    DECIMAL(38, 2) NOT NULL,
    balance_now     DECIMAL(38, 2) NOT NULL
);

-- agg_bucket_transition: one row per month end t × booking org × product × customer type ×
-- industry × guarantee type × bucket at t−1 × state at t, over the loans on the book at t−1
-- (t−1 = the previous calendar month end). Only months t whose t−1 is in the data. The sums
-- of agg_bucket_manager_transition over the managers, for every scope without a manager.
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

-- agg_vintage_loan: one row per cohort loan (disbursed in a calendar month whose month end,
-- MOB 0, is in the data) with its scope dimensions and the manager of its MOB 0 snapshot (null
-- for a cohort loan without one: it is in no manager's vintage). The rows of a cohort month
-- come from that month's loans and snapshots; the vintage tables below are built from it.
CREATE OR REPLACE TABLE agg_vintage_loan (
    cohort_month     DATE NOT NULL,           -- month end of the disbursement month (MOB 0)
    loan_id          VARCHAR NOT NULL,
    manager_id       VARCHAR,                 -- responsible manager at MOB 0
    org_id           VARCHAR NOT NULL,
    product          VARCHAR NOT NULL,
    customer_type    VARCHAR NOT NULL,
    industry_code    VARCHAR,
    guarantee_type   VARCHAR NOT NULL,
    contract_amount  DECIMAL(18, 2) NOT NULL
);

-- agg_vintage_manager_cohort: agg_vintage_cohort with one more dimension, the manager at MOB 0
-- (as agg_vintage_loan). Sorted by manager, as the table below.
CREATE OR REPLACE TABLE agg_vintage_manager_cohort (
    cohort_month    DATE NOT NULL,
    manager_id      VARCHAR,                  -- responsible manager at MOB 0
    org_id          VARCHAR NOT NULL,
    product         VARCHAR NOT NULL,
    customer_type   VARCHAR NOT NULL,
    industry_code   VARCHAR,
    guarantee_type  VARCHAR NOT NULL,
    cohort_loans    BIGINT NOT NULL,
    cohort_amount   DECIMAL(38, 2) NOT NULL
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

-- agg_vintage_manager_delinquency: agg_vintage_delinquency with one more dimension, the
-- manager at MOB 0 (as agg_vintage_manager_cohort). Sorted by manager.
CREATE OR REPLACE TABLE agg_vintage_manager_delinquency (
    cohort_month        DATE NOT NULL,
    mob                 INTEGER NOT NULL,
    manager_id          VARCHAR,                  -- responsible manager at MOB 0
    org_id              VARCHAR NOT NULL,
    product             VARCHAR NOT NULL,
    customer_type       VARCHAR NOT NULL,
    industry_code       VARCHAR,
    guarantee_type      VARCHAR NOT NULL,
    threshold           INTEGER NOT NULL,
    delinquent_balance  DECIMAL(38, 2) NOT NULL,
    newly_delinquent    BIGINT NOT NULL
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
     -- spelled out so that the scan of n, the join's build side, reads only those month ends
     AND n.as_of_date BETWEEN $first_month AND $last_month
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
        s.as_of_date AS month_end,
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
# The month end of a (cohort month, MOB) row.
_MONTH_END = "last_day(cohort_month + to_months(mob))"
# Each month-keyed table and the month end its rows belong to.
_MONTH_KEYED = (
    ("agg_bucket_manager_transition", "month_end"),
    ("agg_bucket_transition", "month_end"),
    ("agg_vintage_loan", "cohort_month"),
    ("agg_vintage_manager_cohort", "cohort_month"),
    ("agg_vintage_cohort", "cohort_month"),
    ("agg_vintage_manager_delinquency", _MONTH_END),
    ("agg_vintage_delinquency", _MONTH_END),
)
_WHOLE_DIMS = "org_id, product, customer_type, industry_code, guarantee_type"

_FILL_RULES = """
INSERT INTO agg_bucket_rules VALUES ($bucket_edges, $bucket_labels, $thresholds)
"""

# The loans' scope dimensions are joined first (one row per loan), so that the transition rows
# (one per loan and month) probe one hash table instead of two.
_FILL_MANAGER_TRANSITION = f"""
INSERT INTO agg_bucket_manager_transition
WITH loan_transition AS ({LOAN_TRANSITIONS}),
loan_dims AS (
    SELECT l.loan_id, {_DIMS}
    FROM dim_loan AS l
    JOIN dim_customer AS cu ON cu.customer_id = l.customer_id
)
SELECT
    t.month_end, t.manager_id,
    d.org_id, d.product, d.customer_type, d.industry_code, d.guarantee_type,
    t.from_bucket, t.to_state, count(*), sum(t.balance_prev), sum(t.balance_now)
FROM loan_transition AS t
JOIN loan_dims AS d ON d.loan_id = t.loan_id
GROUP BY ALL
ORDER BY t.manager_id, t.month_end
"""

_FILL_VINTAGE_LOAN = f"""
INSERT INTO agg_vintage_loan
WITH month_end AS (SELECT DISTINCT as_of_date FROM fct_loan_snapshot),
candidate_loan AS (SELECT * FROM dim_loan WHERE last_day(disbursement_date) >= $since),
cohort_loan AS ({COHORT_LOANS})
SELECT c.cohort_month, c.loan_id, s.manager_id, {_DIMS}, c.contract_amount
FROM cohort_loan AS c
JOIN dim_loan AS l ON l.loan_id = c.loan_id
JOIN dim_customer AS cu ON cu.customer_id = l.customer_id
LEFT JOIN fct_loan_snapshot AS s ON s.loan_id = c.loan_id AND s.as_of_date = c.cohort_month
ORDER BY c.cohort_month, c.loan_id
"""

_FILL_MANAGER_COHORT = f"""
INSERT INTO agg_vintage_manager_cohort
SELECT cohort_month, manager_id, {_WHOLE_DIMS}, count(*), sum(contract_amount)
FROM agg_vintage_loan
WHERE cohort_month >= $since
GROUP BY ALL
ORDER BY manager_id, cohort_month
"""

_FILL_MOB = f"""
INSERT INTO agg_vintage_mob
WITH month_end AS (SELECT DISTINCT as_of_date FROM fct_loan_snapshot)
{MOB_GRID}
ORDER BY cohort_month, mob
"""

# From $since on: the cohort loans over a threshold at a month end from then on, each over its
# whole history (is_first compares with its earlier months), kept from $since on.
_FILL_MANAGER_DELINQUENCY = f"""
INSERT INTO agg_vintage_manager_delinquency
WITH cohort_loan AS (
    SELECT loan_id, cohort_month, contract_amount
    FROM agg_vintage_loan
    WHERE loan_id IN (
        SELECT loan_id FROM fct_loan_snapshot
        WHERE as_of_date >= $since AND days_past_due > list_min($thresholds)
    )
),
loan_delinquency AS (SELECT * FROM ({LOAN_DELINQUENCY}) WHERE month_end >= $since)
SELECT
    d.cohort_month, d.mob, v.manager_id,
    v.org_id, v.product, v.customer_type, v.industry_code, v.guarantee_type,
    d.threshold, sum(d.delinquent_balance), count(*) FILTER (d.is_first)
FROM loan_delinquency AS d
JOIN agg_vintage_loan AS v ON v.loan_id = d.loan_id
GROUP BY ALL
ORDER BY v.manager_id, d.cohort_month, d.mob
"""

# The tables without the manager: sums of the manager tables over it (exact: integer and
# DECIMAL sums of sums), instead of a second pass over the loans.
_FILL_TRANSITION = f"""
INSERT INTO agg_bucket_transition
SELECT month_end, {_WHOLE_DIMS}, from_bucket, to_state,
       sum(loan_count), sum(balance_prev), sum(balance_now)
FROM agg_bucket_manager_transition
WHERE month_end >= $since
GROUP BY ALL
ORDER BY ALL
"""

_FILL_COHORT = f"""
INSERT INTO agg_vintage_cohort
SELECT cohort_month, {_WHOLE_DIMS}, sum(cohort_loans), sum(cohort_amount)
FROM agg_vintage_manager_cohort
WHERE cohort_month >= $since
GROUP BY ALL
ORDER BY ALL
"""

_FILL_DELINQUENCY = f"""
INSERT INTO agg_vintage_delinquency
SELECT cohort_month, mob, {_WHOLE_DIMS}, threshold,
       sum(delinquent_balance), sum(newly_delinquent)
FROM agg_vintage_manager_delinquency
WHERE {_MONTH_END} >= $since
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


def build(con: duckdb.DuckDBPyConnection, settings: Settings, since: date | None = None) -> None:
    """Bring the transition and vintage aggregates up to date with the facts, with today's rules.

    ``since`` (a month end) redoes only the rows of the month ends from it on (transitions into
    them, cohorts disbursed then, delinquency observed then), the caller guaranteeing that the
    facts of earlier month ends did not change (``date.max``: none did); None, a missing table
    or other recorded rules rebuild everything.
    """
    params = rule_params(settings.asset_quality)
    built = built_rules(con)
    same_rules = built is not None and (built.bucket_upper_edges, built.vintage_thresholds) == (
        params["bucket_edges"],
        params["thresholds"],
    )
    if since is None or not same_rules or not has_table(con, MANAGER_TRANSITION_TABLE):
        con.execute(DDL)
        con.execute(_FILL_RULES, params)
        since = date.min
    elif since == date.max:
        return
    at = {"since": since}
    for table, month_end in _MONTH_KEYED:
        con.execute(f"DELETE FROM {table} WHERE {month_end} >= $since", at)
    # one statement per range of month ends: its hash tables stay bounded (one range at medium
    # scale, several at large)
    for first, last in snapshot_months(con, since, BATCH_ROWS):
        con.execute(
            _FILL_MANAGER_TRANSITION,
            {
                "bucket_edges": params["bucket_edges"],
                "bucket_labels": params["bucket_labels"],
                "first_month": first,
                "last_month": last,
            },
        )
    con.execute(_FILL_TRANSITION, at)
    con.execute(_FILL_VINTAGE_LOAN, at)
    con.execute(_FILL_MANAGER_COHORT, at)
    con.execute(_FILL_COHORT, at)
    con.execute("DELETE FROM agg_vintage_mob")
    con.execute(_FILL_MOB)
    con.execute(_FILL_MANAGER_DELINQUENCY, {"thresholds": params["thresholds"], **at})
    con.execute(_FILL_DELINQUENCY, at)
