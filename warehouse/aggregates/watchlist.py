"""Watch-list facts per month end and customer, precomputed at load (METRICS.md §6).

``metrics.watchlist`` scores customers from one row of facts per customer in scope at a month
end (columns ``FACT_COLUMNS``): loans and balance in scope, the responsible manager and org, worst
class and dpd, counts of NPL, downgraded and floor-breaching loans, the lowest collateral
coverage and the oldest appraisal, open red and orange signals, and the oldest overdue
routine/special obligation. Points, the dpd and day thresholds, the coverage floor and the
severity bands are applied at query time, so changing them needs no reload.

Worked out per query at a million loans these facts take about a second, so ``build`` stores
them for every month end in ``agg_watchlist_month``: one row per customer and scope cell (the
customer's loans on the book grouped by booking org, product, guarantee type and manager at the
month end, so that every Scope filter still applies), with the customer's signals and oldest
overdue obligation repeated on each of its rows. Only customers that some setting of the
query-time thresholds could list are kept: an NPL, downgraded, overdue or floor-breaching loan,
a loan with collateral, an open red or orange signal, or an obligation open past due.

Three things are applied at build and recorded in ``agg_watchlist_rules``: the downgrade
window (``watchlist.downgrade_window_months``), the classification floors (breach counts) and
the inspection rules of ``fct_obligation``. The metric derives the same facts from the fact
tables for one month end when a call's rules differ or the table is missing, so a settings
change is correct at once and fast after the next load; both paths share the expressions
below (WINDOW_START, OPEN_SIGNAL, OVERDUE_OBLIGATION, APPRAISAL, LOAN_FACTS, …), and
tests/test_watchlist.py checks that they give the same list on the demo bank.
"""

from __future__ import annotations

import json

import duckdb

from daihou.settings import AssetQualityRules, InspectionRules, Settings, WatchlistRules
from etl.contract import NPL_CLASSES
from warehouse.aggregates.asset_quality import IS_FLOOR_BREACH, floor_params
from warehouse.aggregates.asset_quality import rule_params as floor_rule_params
from warehouse.aggregates.obligations import built_rules as built_obligation_rules
from warehouse.aggregates.obligations import rules_key as obligation_rules_key
from warehouse.connection import has_table

# -- shared expressions --------------------------------------------------------------------------

# The month end that opens the downgrade window of month end {t}: that many calendar months
# before (a 31st becomes the shorter month's last day).
WINDOW_START = "last_day(({t} - to_months($downgrade_window_months))::DATE)"

# A signal ``w`` open at {t}: raised by then and not resolved by then (a resolved status
# without a date counts as resolved).
OPEN_SIGNAL = "w.signal_date <= {t} AND NOT coalesce(w.resolved_date <= {t}, w.status = 'resolved')"

# An obligation ``o`` of the watch list's kinds open past due at {t} (METRICS.md §5 status
# overdue).
OVERDUE_OBLIGATION = (
    "o.kind IN ('routine', 'special') AND o.due_date < {t} "
    "AND (o.satisfied_date IS NULL OR o.satisfied_date > {t})"
)

# Each appraisal of a collateral item holds until the item's next one; its loan is that row's.
APPRAISAL = """
    SELECT c.loan_id, c.appraised_value, c.appraisal_date,
           lead(c.appraisal_date) OVER (
               PARTITION BY c.collateral_id ORDER BY c.appraisal_date) AS next_date
    FROM fct_collateral_appraisal AS c
"""
APPRAISAL_AT = "p.appraisal_date <= {t} AND (p.next_date IS NULL OR p.next_date > {t})"

_NPL = "s.classification IN (" + ", ".join(f"'{c}'" for c in NPL_CLASSES) + ")"
RANK = "list_position($classes, {c})"  # 1 normal … 5 loss
LARGEST = "(s.balance, s.contract_amount, s.loan_id)"  # the largest loan, as in §5

# The facts of a group of loan rows ``s`` (on the book, with is_downgraded, collateral_value
# and oldest_appraisal_date).
LOAN_FACTS = f"""
    count(*) AS loan_count,
    sum(s.balance) AS balance,
    max({RANK.format(c="s.classification")}) AS worst_class_rank,
    count(*) FILTER (WHERE {_NPL}) AS npl_loan_count,
    count(*) FILTER (WHERE s.is_downgraded) AS downgraded_loan_count,
    max(s.days_past_due) AS worst_dpd,
    count(*) FILTER (WHERE {IS_FLOOR_BREACH}) AS floor_breach_count,
    min(s.collateral_value / s.balance) AS lowest_coverage,
    min(s.oldest_appraisal_date) AS oldest_appraisal_date
"""

# What the scoring reads, one row per customer ``c`` in scope.
FACT_COLUMNS = """
    c.customer_id, c.loan_count, c.balance, c.manager_id, c.org_id,
    list_extract($classes, c.worst_class_rank) AS worst_class,
    c.npl_loan_count, c.downgraded_loan_count, c.worst_dpd, c.floor_breach_count,
    c.lowest_coverage, $as_of - c.oldest_appraisal_date AS oldest_appraisal_days,
    coalesce(c.red_signal_count, 0) AS red_signal_count,
    coalesce(c.orange_signal_count, 0) AS orange_signal_count,
    $as_of - c.oldest_due_date AS oldest_overdue_days
"""

# -- build ---------------------------------------------------------------------------------------

DDL = """
-- agg_watchlist_month: one row per month end × customer × booking org × product × guarantee
-- type × manager, over the customer's loans on the book then (METRICS.md §6), for the customers
-- that some setting of the query-time thresholds could list that month. Sorted by month end.
CREATE OR REPLACE TABLE agg_watchlist_month (
    as_of_date             DATE NOT NULL,
    customer_id            VARCHAR NOT NULL,
    org_id                 VARCHAR NOT NULL,
    product                VARCHAR NOT NULL,
    customer_type          VARCHAR NOT NULL,          -- the customer's (dim_customer)
    industry_code          VARCHAR,                   -- the customer's
    guarantee_type         VARCHAR NOT NULL,
    manager_id             VARCHAR NOT NULL,
    top_balance            DECIMAL(18, 2) NOT NULL,   -- the row's largest loan: balance,
    top_contract_amount    DECIMAL(18, 2) NOT NULL,   -- … then contract amount,
    top_loan_id            VARCHAR NOT NULL,          -- … then loan id
    loan_count             BIGINT NOT NULL,
    balance                DECIMAL(38, 2) NOT NULL,
    worst_class_rank       INTEGER NOT NULL,          -- 1 normal … 5 loss
    npl_loan_count         BIGINT NOT NULL,
    downgraded_loan_count  BIGINT NOT NULL,           -- class worse than at the window start
    worst_dpd              INTEGER NOT NULL,
    floor_breach_count     BIGINT NOT NULL,           -- with the recorded floors
    lowest_coverage        DOUBLE,                    -- Σ latest appraised values / balance
    oldest_appraisal_date  DATE,                      -- oldest latest appraisal of an item
    red_signal_count       BIGINT,                    -- the customer's open red signals
    orange_signal_count    BIGINT,                    -- … open orange signals
    oldest_due_date        DATE                       -- … oldest routine/special past due
);

-- agg_watchlist_rules: one row: the rules agg_watchlist_month applied (JSON).
CREATE OR REPLACE TABLE agg_watchlist_rules (rules VARCHAR NOT NULL);
"""

# The build first stages, for every month end at once, three narrow tables (temporary, sorted
# by month end, dropped at the end): downgraded loans, collateral per loan, and each customer's
# open signals and oldest overdue obligation; then fills agg_watchlist_month month by month
# from agg_loan_month and them.

_MONTH_END = "SELECT DISTINCT as_of_date AS t FROM agg_loan_month"

# Only loans whose class ever changes can be downgraded; their on-book rows, ASOF-joined to
# the first on-book row on or after each row's window start.
_STAGE_DOWNGRADED = f"""
CREATE OR REPLACE TEMP TABLE watchlist_downgraded AS
WITH window_row AS (
    SELECT a.loan_id, a.as_of_date, a.classification
    FROM agg_loan_month AS a
    WHERE a.loan_id IN (
        SELECT loan_id FROM agg_loan_month
        GROUP BY loan_id
        HAVING min(classification) <> max(classification)
    )
)
SELECT a.as_of_date, a.loan_id
FROM (SELECT *, {WINDOW_START.format(t="as_of_date")} AS window_start FROM window_row) AS a
ASOF JOIN window_row AS b ON b.loan_id = a.loan_id AND b.as_of_date >= a.window_start
WHERE {RANK.format(c="a.classification")} > {RANK.format(c="b.classification")}
ORDER BY a.as_of_date
"""

_STAGE_SECURED = f"""
CREATE OR REPLACE TEMP TABLE watchlist_secured AS
SELECT m.t AS as_of_date, p.loan_id, sum(p.appraised_value) AS collateral_value,
       min(p.appraisal_date) AS oldest_appraisal_date
FROM ({APPRAISAL}) AS p
JOIN ({_MONTH_END}) AS m ON {APPRAISAL_AT.format(t="m.t")}
GROUP BY ALL
ORDER BY as_of_date
"""

_STAGE_CUSTOMER = f"""
CREATE OR REPLACE TEMP TABLE watchlist_customer AS
WITH signal AS (
    SELECT m.t AS as_of_date, w.customer_id,
           count(*) FILTER (WHERE w.severity = 'red') AS red_signal_count,
           count(*) FILTER (WHERE w.severity = 'orange') AS orange_signal_count
    FROM fct_warning_signal AS w
    JOIN ({_MONTH_END}) AS m ON {OPEN_SIGNAL.format(t="m.t")}
    WHERE w.severity IN ('red', 'orange')
    GROUP BY ALL
),
overdue AS (
    SELECT m.t AS as_of_date, o.customer_id, min(o.due_date) AS oldest_due_date
    FROM fct_obligation AS o
    JOIN ({_MONTH_END}) AS m ON {OVERDUE_OBLIGATION.format(t="m.t")}
    GROUP BY ALL
)
SELECT coalesce(sg.as_of_date, od.as_of_date) AS as_of_date,
       coalesce(sg.customer_id, od.customer_id) AS customer_id,
       sg.red_signal_count, sg.orange_signal_count, od.oldest_due_date
FROM signal AS sg
FULL JOIN overdue AS od ON od.as_of_date = sg.as_of_date AND od.customer_id = sg.customer_id
ORDER BY as_of_date
"""

# One month end $as_of at a time: a month's rows are contiguous (a query of one month skips
# the others), and each step's working set stays small.
_FILL_MONTH = f"""
INSERT INTO agg_watchlist_month
WITH s AS (
    SELECT a.as_of_date, a.loan_id, l.customer_id, l.contract_amount, a.org_id, a.product,
           a.customer_type, a.industry_code, a.guarantee_type, a.manager_id, a.classification,
           a.balance, a.days_past_due,
           d.loan_id IS NOT NULL AS is_downgraded,
           sc.collateral_value, sc.oldest_appraisal_date
    FROM agg_loan_month AS a
    JOIN dim_loan AS l ON l.loan_id = a.loan_id
    LEFT JOIN (SELECT loan_id FROM watchlist_downgraded WHERE as_of_date = $as_of) AS d
      ON d.loan_id = a.loan_id
    LEFT JOIN (SELECT * FROM watchlist_secured WHERE as_of_date = $as_of) AS sc
      ON sc.loan_id = a.loan_id
    WHERE a.as_of_date = $as_of
),
cell AS (
    SELECT s.customer_id, s.org_id, s.product, s.guarantee_type, s.manager_id,
        any_value(s.customer_type) AS customer_type,
        any_value(s.industry_code) AS industry_code,
        max(s.balance) AS top_balance,
        max_by(s.contract_amount, {LARGEST}) AS top_contract_amount,
        max_by(s.loan_id, {LARGEST}) AS top_loan_id,
        {LOAN_FACTS}
    FROM s
    GROUP BY s.customer_id, s.org_id, s.product, s.guarantee_type, s.manager_id
),
marked AS (
    SELECT c.*, k.red_signal_count, k.orange_signal_count, k.oldest_due_date,
        -- could some setting of the query-time thresholds list the customer for this cell?
        k.customer_id IS NOT NULL OR c.npl_loan_count > 0 OR c.downgraded_loan_count > 0
            OR c.worst_dpd > 0 OR c.floor_breach_count > 0
            OR c.oldest_appraisal_date IS NOT NULL AS is_candidate
    FROM cell AS c
    LEFT JOIN (SELECT * FROM watchlist_customer WHERE as_of_date = $as_of) AS k
      ON k.customer_id = c.customer_id
)
SELECT
    $as_of, m.customer_id, m.org_id, m.product, m.customer_type, m.industry_code,
    m.guarantee_type, m.manager_id, m.top_balance, m.top_contract_amount, m.top_loan_id,
    m.loan_count, m.balance, m.worst_class_rank, m.npl_loan_count, m.downgraded_loan_count,
    m.worst_dpd, m.floor_breach_count, m.lowest_coverage, m.oldest_appraisal_date,
    m.red_signal_count, m.orange_signal_count, m.oldest_due_date
FROM marked AS m
-- every cell of a customer that one of its cells makes a candidate
WHERE m.customer_id IN (
    SELECT customer_id FROM marked GROUP BY customer_id HAVING bool_or(is_candidate)
)
"""

_STAGED = ("watchlist_downgraded", "watchlist_secured", "watchlist_customer")


def rules_key(
    rules: WatchlistRules, quality: AssetQualityRules, inspection: InspectionRules
) -> str:
    """What agg_watchlist_month depends on besides the facts: the downgrade window, the
    classification floors and the obligations' inspection rules (JSON)."""
    return json.dumps(
        {
            "downgrade_window_months": rules.downgrade_window_months,
            "floors": floor_params(quality),
            "inspection": json.loads(obligation_rules_key(inspection)),
        },
        sort_keys=True,
    )


def build_params(rules: WatchlistRules) -> dict[str, object]:
    """Bound parameters the derivation needs besides the scoring's and the floors'."""
    return {"downgrade_window_months": rules.downgrade_window_months}


def built_key(con: duckdb.DuckDBPyConnection) -> str | None:
    """The rules_key agg_watchlist_month was built with; None when there is none."""
    if not has_table(con, "agg_watchlist_rules"):
        return None
    rows = con.execute("SELECT rules FROM agg_watchlist_rules").fetchall()
    return rows[0][0] if rows else None


def build(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)create agg_watchlist_month with this load's rules, from agg_loan_month (built
    before it), the facts and fct_obligation. Left empty, with no rules recorded (the metric
    then derives from the facts), when fct_obligation is missing or holds other rules."""
    con.execute(DDL)
    if built_obligation_rules(con) != obligation_rules_key(settings.inspection):
        return
    floors = floor_rule_params(settings.asset_quality)  # with $classes, best to worst
    window = {"classes": floors["classes"], **build_params(settings.watchlist)}
    con.execute(_STAGE_DOWNGRADED, window)
    con.execute(_STAGE_SECURED)
    con.execute(_STAGE_CUSTOMER)
    for (month,) in con.execute(f"{_MONTH_END} ORDER BY t").fetchall():
        con.execute(_FILL_MONTH, {**floors, "as_of": month})
    for table in _STAGED:
        con.execute(f"DROP TABLE {table}")
    key = rules_key(settings.watchlist, settings.asset_quality, settings.inspection)
    con.execute("INSERT INTO agg_watchlist_rules VALUES ($rules)", {"rules": key})
