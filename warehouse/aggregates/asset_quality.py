"""Asset-quality and migration aggregates, precomputed at load (METRICS.md §1, §2).

``metrics.asset_quality`` and ``metrics.migration`` read these tables so that a page answers in
a fraction of a second at a million loans; each also has a loan-level path over
``fct_loan_snapshot`` that gives the same figures (tests/test_asset_quality.py and
tests/test_migration.py check that they agree exactly), used for scopes the tables do not carry
and for warehouses built before them.

- ``agg_class_month`` sums the §1 amounts per month end, class and scope dimensions. Its breach
  columns apply the classification floors (``asset_quality.classification_floors``) of the load
  that built it, recorded in ``agg_class_month_rules``; a metric call with other floors falls back
  to the loan-level path, so a settings change is correct at once and fast after the next load.
- ``agg_class_manager_month`` is the same with the responsible manager at the month end as one
  more dimension: it answers an account manager's scope, and ``agg_class_month`` is its sum over
  the managers. A separate table rather than manager_id in the grain of agg_class_month, by
  measurement at medium (1M loans): with the manager the grain has 3.4× the rows (1.1M → 3.7M)
  and the whole-bank 36-month trend over it took 2.8× as long (0.25 s → 0.7 s); the twin costs
  a few seconds of load and leaves every scope without a manager as fast as before.
- ``agg_loan_month`` is the on-book part of the snapshots with the scope dimensions copied in
  and no rules applied: the §2 cohorts join two of its months, and the §1 breach list reads one
  (applying the floors of the call), instead of joining the snapshots to the loan and customer
  dimensions.
- ``agg_loan_exit_run`` answers "what was the status of the loan's last snapshot up to t1" (§2
  matrix columns written_off / transferred) without scanning every month between t0 and t1.

The per-row SQL (``SNAPSHOT_MEASURES``, ``FLOOR_CLASS``) is shared with the metric modules, so
both paths compute each amount with the same expression.
"""

from __future__ import annotations

from datetime import date

import duckdb

from daihou.settings import AssetQualityRules, Settings
from etl.contract import CLASSES
from warehouse.aggregates.batches import BATCH_ROWS, snapshot_months
from warehouse.connection import has_table

# The per-manager twin of agg_class_month; a warehouse loaded before it existed lacks it.
MANAGER_TABLE = "agg_class_manager_month"

# Snapshot rows on the book (METRICS.md preamble). Alias ``s``.
ON_BOOK = "s.status = 'active' AND s.balance > 0"

# The best class the days past due of row ``s`` allow (METRICS.md §1 floors). The parameters
# $floor_<class> hold the dpd above which a loan must be at least that class (floor_params);
# a NULL threshold never applies.
FLOOR_CLASS = """
    CASE
        WHEN s.days_past_due > $floor_loss THEN 'loss'
        WHEN s.days_past_due > $floor_doubtful THEN 'doubtful'
        WHEN s.days_past_due > $floor_substandard THEN 'substandard'
        WHEN s.days_past_due > $floor_special_mention THEN 'special_mention'
        ELSE 'normal'
    END
"""

# A reported class better than the floor (classes in $classes are ordered best to worst).
IS_FLOOR_BREACH = (
    f"(list_position($classes, s.classification) < list_position($classes, {FLOOR_CLASS}))"
)

# The §1 amounts of one on-book snapshot row ``s``; agg_class_month holds their sums.
SNAPSHOT_MEASURES = f"""
    1 AS loan_count,
    s.balance,
    (s.days_past_due > 0)::INTEGER AS overdue_count,
    CASE WHEN s.days_past_due > 0 THEN s.balance ELSE 0 END AS overdue_balance,
    CASE WHEN s.days_past_due > 0 THEN s.overdue_principal ELSE 0 END AS overdue_principal,
    CASE WHEN s.days_past_due > 30 THEN s.balance ELSE 0 END AS dpd30_balance,
    CASE WHEN s.days_past_due > 60 THEN s.balance ELSE 0 END AS dpd60_balance,
    CASE WHEN s.days_past_due > 90 THEN s.balance ELSE 0 END AS dpd90_balance,
    {IS_FLOOR_BREACH}::INTEGER AS breach_count,
    CASE WHEN {IS_FLOOR_BREACH} THEN s.balance ELSE 0 END AS breach_balance
"""
MEASURE_COLUMNS = (
    "loan_count",
    "balance",
    "overdue_count",
    "overdue_balance",
    "overdue_principal",
    "dpd30_balance",
    "dpd60_balance",
    "dpd90_balance",
    "breach_count",
    "breach_balance",
)

DDL = """
-- agg_loan_month: one row per loan per month end while on the book (status active, balance
-- > 0), with the loan's scope dimensions as of this load. Sorted by month end: a month is a
-- few contiguous row groups, and a query of one month skips the others by their min/max.
CREATE OR REPLACE TABLE agg_loan_month (
    as_of_date         DATE NOT NULL,
    loan_id            VARCHAR NOT NULL,
    org_id             VARCHAR NOT NULL,          -- booking org (dim_loan)
    product            VARCHAR NOT NULL,
    customer_type      VARCHAR NOT NULL,          -- dim_customer
    industry_code      VARCHAR,                   -- dim_customer
    guarantee_type     VARCHAR NOT NULL,
    manager_id         VARCHAR NOT NULL,          -- responsible manager at as_of_date
    classification     VARCHAR NOT NULL,
    balance            DECIMAL(18, 2) NOT NULL,
    days_past_due      INTEGER NOT NULL,
    overdue_principal  DECIMAL(18, 2) NOT NULL
);

-- agg_loan_exit_run: one row per loan per run of consecutive snapshots with the same status
-- written_off or transferred. The status of a loan's last snapshot up to t is exit_status
-- exactly when first_as_of_date <= t < next_as_of_date (or next_as_of_date is null).
CREATE OR REPLACE TABLE agg_loan_exit_run (
    loan_id           VARCHAR NOT NULL,
    exit_status       VARCHAR NOT NULL,           -- written_off · transferred
    first_as_of_date  DATE NOT NULL,              -- first snapshot of the run
    next_as_of_date   DATE                        -- the loan's next snapshot after the run
);

-- agg_class_month_rules: one row: the floors agg_class_month's breach columns applied, as the
-- days past due above which a loan must be at least each class (null: no such floor).
CREATE OR REPLACE TABLE agg_class_month_rules (
    floor_special_mention  INTEGER,
    floor_substandard      INTEGER,
    floor_doubtful         INTEGER,
    floor_loss             INTEGER
);

-- agg_class_manager_month: agg_class_month with one more dimension, the responsible manager
-- at the month end: one row per month end × manager × booking org × product × customer type ×
-- industry × guarantee type × classification, over the loans on the book (METRICS.md §1).
-- Answers an account manager's scope. Sorted by manager, then month end: a manager's rows are
-- contiguous, so a query of one manager skips every other row group by its min/max.
CREATE OR REPLACE TABLE agg_class_manager_month (
    as_of_date         DATE NOT NULL,
    manager_id         VARCHAR NOT NULL,          -- responsible manager at as_of_date
    org_id             VARCHAR NOT NULL,
    product            VARCHAR NOT NULL,
    customer_type      VARCHAR NOT NULL,
    industry_code      VARCHAR,
    guarantee_type     VARCHAR NOT NULL,
    classification     VARCHAR NOT NULL,
    loan_count         BIGINT NOT NULL,
    balance            DECIMAL(38, 2) NOT NULL,
    overdue_count      BIGINT NOT NULL,
    overdue_balance    DECIMAL(38, 2) NOT NULL,
    overdue_principal  DECIMAL(38, 2) NOT NULL,
    dpd30_balance      DECIMAL(38, 2) NOT NULL,
    dpd60_balance      DECIMAL(38, 2) NOT NULL,
    dpd90_balance      DECIMAL(38, 2) NOT NULL,
    breach_count       BIGINT NOT NULL,
    breach_balance     DECIMAL(38, 2) NOT NULL
);

-- agg_class_month: one row per month end × booking org × product × customer type × industry ×
-- guarantee type × classification, over the loans on the book (METRICS.md §1): the sums of
-- agg_class_manager_month over the managers, for every scope without a manager.
CREATE OR REPLACE TABLE agg_class_month (
    as_of_date         DATE NOT NULL,
    org_id             VARCHAR NOT NULL,
    product            VARCHAR NOT NULL,
    customer_type      VARCHAR NOT NULL,
    industry_code      VARCHAR,
    guarantee_type     VARCHAR NOT NULL,
    classification     VARCHAR NOT NULL,
    loan_count         BIGINT NOT NULL,
    balance            DECIMAL(38, 2) NOT NULL,
    overdue_count      BIGINT NOT NULL,           -- loans with dpd > 0
    overdue_balance    DECIMAL(38, 2) NOT NULL,   -- their full balance
    overdue_principal  DECIMAL(38, 2) NOT NULL,   -- their overdue principal alone
    dpd30_balance      DECIMAL(38, 2) NOT NULL,   -- Σ balance with dpd > 30 (PAR30)
    dpd60_balance      DECIMAL(38, 2) NOT NULL,   -- … dpd > 60
    dpd90_balance      DECIMAL(38, 2) NOT NULL,   -- … dpd > 90
    breach_count       BIGINT NOT NULL,           -- class better than the dpd floor
    breach_balance     DECIMAL(38, 2) NOT NULL
);
"""

_FILL_LOAN_MONTH = f"""
INSERT INTO agg_loan_month
SELECT
    s.as_of_date, s.loan_id, l.org_id, l.product, c.customer_type, c.industry_code,
    l.guarantee_type, s.manager_id, s.classification, s.balance, s.days_past_due,
    s.overdue_principal
FROM fct_loan_snapshot AS s
JOIN dim_loan AS l ON l.loan_id = s.loan_id
JOIN dim_customer AS c ON c.customer_id = l.customer_id
WHERE {ON_BOOK} AND s.as_of_date BETWEEN $first AND $last
ORDER BY s.as_of_date
"""

# The loans whose exit runs a build from $since on redoes: an exit status from then on, or a
# run not ended before then (its snapshots from $since on may have changed). A loan's runs
# depend on its snapshots alone, so the other loans' runs stand.
_RERUN_LOANS = """
    SELECT loan_id FROM fct_loan_snapshot
    WHERE as_of_date >= $since AND status IN ('written_off', 'transferred')
    UNION
    SELECT loan_id FROM agg_loan_exit_run
    WHERE next_as_of_date IS NULL OR next_as_of_date >= $since
"""

_STAGE_RERUN = f"CREATE OR REPLACE TEMP TABLE exit_rerun_loan AS {_RERUN_LOANS}"
_DELETE_EXIT_RUN = (
    "DELETE FROM agg_loan_exit_run WHERE loan_id IN (SELECT loan_id FROM exit_rerun_loan)"
)

# Runs are found among those loans, over their whole history; a run starts where the status
# differs from the loan's previous snapshot.
_FILL_EXIT_RUN = """
INSERT INTO agg_loan_exit_run
WITH exited AS (SELECT loan_id FROM exit_rerun_loan),
snapshot_row AS (
    SELECT
        s.loan_id,
        s.as_of_date,
        s.status,
        s.status IS DISTINCT FROM lag(s.status) OVER w AS is_run_start
    FROM fct_loan_snapshot AS s
    WHERE s.loan_id IN (SELECT loan_id FROM exited)
    WINDOW w AS (PARTITION BY s.loan_id ORDER BY s.as_of_date)
),
run AS (
    SELECT
        loan_id,
        status,
        as_of_date,
        lead(as_of_date) OVER (PARTITION BY loan_id ORDER BY as_of_date) AS next_as_of_date
    FROM snapshot_row
    WHERE is_run_start
)
SELECT loan_id, status, as_of_date, next_as_of_date
FROM run
WHERE status IN ('written_off', 'transferred')
ORDER BY loan_id, as_of_date
"""

_FILL_RULES = """
INSERT INTO agg_class_month_rules
VALUES ($floor_special_mention, $floor_substandard, $floor_doubtful, $floor_loss)
"""

_DIMS = "as_of_date, org_id, product, customer_type, industry_code, guarantee_type, classification"

_FILL_CLASS_MANAGER_MONTH = f"""
INSERT INTO agg_class_manager_month
WITH measured AS (
    SELECT s.manager_id, {_DIMS}, {SNAPSHOT_MEASURES}
    FROM agg_loan_month AS s
    WHERE s.as_of_date >= $since
)
SELECT as_of_date, manager_id, {_DIMS.removeprefix("as_of_date, ")},
       {", ".join(f"sum({m})" for m in MEASURE_COLUMNS)}
FROM measured
GROUP BY ALL
ORDER BY manager_id, as_of_date
"""

# The same sums without the manager (exact: DECIMAL and integer sums of sums).
_FILL_CLASS_MONTH = f"""
INSERT INTO agg_class_month
SELECT {_DIMS}, {", ".join(f"sum({m})" for m in MEASURE_COLUMNS)}
FROM agg_class_manager_month
WHERE as_of_date >= $since
GROUP BY ALL
ORDER BY ALL
"""


def floor_params(rules: AssetQualityRules) -> dict[str, int | None]:
    """$floor_<class>: the dpd above which a loan must be at least <class>, from the floors.

    A loan must be at least class c when any floor of c or worse applies, so the threshold of c
    is the lowest ``dpd_over`` among those floors (METRICS.md §1).
    """
    rank = {c: i for i, c in enumerate(CLASSES)}
    params: dict[str, int | None] = {}
    for cls in CLASSES[1:]:
        overs = [f.dpd_over for f in rules.classification_floors if rank[f.at_least] >= rank[cls]]
        params[f"floor_{cls}"] = min(overs) if overs else None
    return params


def rule_params(rules: AssetQualityRules) -> dict[str, object]:
    """Bound parameters for FLOOR_CLASS, IS_FLOOR_BREACH and SNAPSHOT_MEASURES."""
    return {**floor_params(rules), "classes": list(CLASSES)}


def built_floors(con: duckdb.DuckDBPyConnection) -> dict[str, int | None] | None:
    """The floor_params the aggregates were built with; None when this warehouse has none."""
    if not has_table(con, "agg_class_month_rules"):
        return None
    rows = con.execute(
        "SELECT floor_special_mention, floor_substandard, floor_doubtful, floor_loss "
        "FROM agg_class_month_rules"
    ).fetchall()
    keys = [f"floor_{cls}" for cls in CLASSES[1:]]
    return dict(zip(keys, rows[0], strict=True)) if rows else None


def build(con: duckdb.DuckDBPyConnection, settings: Settings, since: date | None = None) -> None:
    """Bring the asset-quality aggregates up to date with the facts, with this load's floors.

    ``since`` (a month end) redoes only the month ends from it on, the caller guaranteeing that
    the facts of earlier month ends did not change (``date.max``: none did); None, a missing
    table or other recorded floors rebuild everything. The exit runs are redone for the loans
    whose runs can have changed: those with an exit status from ``since`` on or a run still
    open then.
    """
    params = rule_params(settings.asset_quality)
    floors = floor_params(settings.asset_quality)
    rebuild = built_floors(con) != floors or not has_table(con, MANAGER_TABLE)
    if since is None or rebuild:
        con.execute(DDL)
        con.execute(_FILL_RULES, floors)
        since = date.min
    elif since == date.max:
        return
    at = {"since": since}
    for table in ("agg_loan_month", "agg_class_manager_month", "agg_class_month"):
        con.execute(f"DELETE FROM {table} WHERE as_of_date >= $since", at)
    for first, last in snapshot_months(con, since, BATCH_ROWS):  # in month order: sorted
        con.execute(_FILL_LOAN_MONTH, {"first": first, "last": last})
    con.execute(_STAGE_RERUN, at)
    con.execute(_DELETE_EXIT_RUN)
    con.execute(_FILL_EXIT_RUN)
    con.execute("DROP TABLE exit_rerun_loan")
    con.execute(_FILL_CLASS_MANAGER_MONTH, {**params, **at})
    con.execute(_FILL_CLASS_MONTH, at)
