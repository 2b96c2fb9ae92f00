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
a loan with collateral, an open red or orange signal, or an obligation open past due. For
the whole bank, ``agg_watchlist_bank_month`` holds each customer's rows already combined
(CUSTOMER_FACTS), so that a whole-bank call does not group millions of rows.

Three things are applied at build and recorded in ``agg_watchlist_rules``: the downgrade
window (``watchlist.downgrade_window_months``), the classification floors (breach counts) and
the inspection rules of ``fct_obligation``. The metric derives the same facts from the fact
tables for one month end when a call's rules differ or the table is missing, so a settings
change is correct at once and fast after the next load; both paths share the expressions
below (WINDOW_START, APPRAISAL, RANK, LOAN_FACTS, …; the build applies OPEN_SIGNAL,
OVERDUE_OBLIGATION and APPRAISAL_AT in their equivalent form of ranges of month ends), and
tests/test_watchlist.py checks that they give the same list on the demo bank.

``build(con, settings, since)`` recomputes only the month ends from ``since`` on (a monthly
load), reading the earlier facts they need (the downgrade window, signals and obligations
open since before); tests/test_watchlist_incremental.py checks that it equals a full build.
"""

from __future__ import annotations

import json
import re
from datetime import date

import duckdb

from daihou.settings import AssetQualityRules, InspectionRules, Settings, WatchlistRules
from etl.contract import NPL_CLASSES
from warehouse.aggregates.asset_quality import IS_FLOOR_BREACH, floor_params
from warehouse.aggregates.asset_quality import rule_params as floor_rule_params
from warehouse.aggregates.batches import consecutive
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

# A customer's facts over a group of its agg_watchlist_month rows ``a`` (those of a scope): the
# manager and org of its largest loan, sums, the worst and the oldest; metrics.watchlist groups
# a scope's rows with it, and the build stores the whole bank's (agg_watchlist_bank_month).
_TOP = "(a.top_balance, a.top_contract_amount, a.top_loan_id)"
CUSTOMER_FACTS = f"""
    arg_max(a.manager_id, {_TOP}) AS manager_id,
    arg_max(a.org_id, {_TOP}) AS org_id,
    sum(a.loan_count) AS loan_count,
    sum(a.balance) AS balance,
    max(a.worst_class_rank) AS worst_class_rank,
    sum(a.npl_loan_count) AS npl_loan_count,
    sum(a.downgraded_loan_count) AS downgraded_loan_count,
    max(a.worst_dpd) AS worst_dpd,
    sum(a.floor_breach_count) AS floor_breach_count,
    min(a.lowest_coverage) AS lowest_coverage,
    min(a.oldest_appraisal_date) AS oldest_appraisal_date,
    max(a.red_signal_count) AS red_signal_count,
    max(a.orange_signal_count) AS orange_signal_count,
    min(a.oldest_due_date) AS oldest_due_date
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

DDL = f"""
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

-- agg_watchlist_bank_month: one row per month end × customer of agg_watchlist_month, its rows
-- combined over the whole bank (CUSTOMER_FACTS; the columns' types are that expression's).
-- Sorted by month end, then customer.
CREATE OR REPLACE TABLE agg_watchlist_bank_month AS
SELECT a.as_of_date, a.customer_id, {CUSTOMER_FACTS}
FROM agg_watchlist_month AS a
GROUP BY a.as_of_date, a.customer_id
LIMIT 0;
"""

# The build works in month-end indexes: watchlist_month_end numbers the month ends of
# agg_loan_month 1…n, and each signal, overdue obligation and appraisal becomes the range
# [first_i, until_i) of the month ends at which it holds. The ranges are cut into runs per
# customer (signals, oldest overdue obligation) or loan (collateral) over which these facts do
# not change, dated first_t … last_t: staged once, one row per run, instead of one per fact
# and month end. Then one statement fills a chunk: consecutive month ends of at most
# _CHUNK_ROWS loan rows together (fewer statements), or a month end of more rows in parts, each
# part the customers whose hash(customer_id) % $parts is $part (a statement's working set stays
# bounded whatever the bank's size). It joins each loan or customer to its run holding at the
# month end (equal key, month end in the run) instead of joining every fact to every month end
# with inequalities.

_CHUNK_ROWS = 1_000_000


_STAGE_MONTH_END = """
CREATE OR REPLACE TEMP TABLE watchlist_month_end AS
SELECT (row_number() OVER (ORDER BY as_of_date))::INTEGER AS i, as_of_date AS t, loan_rows
FROM (SELECT as_of_date, count(*) AS loan_rows FROM agg_loan_month GROUP BY as_of_date)
ORDER BY i
"""

# Each day from the first month end to the last, with the index of the first month end on or
# after it: a date becomes its month-end index by an equi-join with this small table.
_STAGE_DAY = """
CREATE OR REPLACE TEMP TABLE watchlist_day AS
SELECT unnest(generate_series(after_previous, t, INTERVAL 1 DAY))::DATE AS day, i
FROM (SELECT i, t, coalesce(lag(t) OVER (ORDER BY i) + 1, t) AS after_previous
      FROM watchlist_month_end)
"""


def _month_index(day: str, alias: str) -> tuple[str, str]:
    """SQL for the index of the first month end on or after the date ``day`` ($after_last
    when none, or when ``day`` is NULL: a range with no end), and the join it needs."""
    join = f"LEFT JOIN watchlist_day AS {alias} ON {alias}.day = {day}"
    return (
        f"CASE WHEN {day} <= $first_month_end THEN 1 ELSE coalesce({alias}.i, $after_last) END",
        join,
    )


_SIGNAL_FIRST, _SIGNAL_FIRST_JOIN = _month_index("w.signal_date", "f")
_SIGNAL_UNTIL, _SIGNAL_UNTIL_JOIN = _month_index("w.resolved_date", "u")
_DUE_FIRST, _DUE_FIRST_JOIN = _month_index("o.due_date + 1", "f")
_DUE_UNTIL, _DUE_UNTIL_JOIN = _month_index("o.satisfied_date", "u")
_APPRAISAL_FIRST, _APPRAISAL_FIRST_JOIN = _month_index("p.appraisal_date", "f")
_APPRAISAL_UNTIL, _APPRAISAL_UNTIL_JOIN = _month_index("p.next_date", "u")

# Each range is kept when it holds at a month end on or after $since_i.

# OPEN_SIGNAL as a range: from signal_date until resolved_date; never when resolved without a
# date (a NULL status is never open either, as there).
_STAGE_SIGNAL_RANGE = f"""
CREATE OR REPLACE TEMP TABLE watchlist_signal_range AS
SELECT * FROM (
    SELECT w.customer_id, w.severity,
           {_SIGNAL_FIRST} AS first_i, {_SIGNAL_UNTIL} AS until_i
    FROM fct_warning_signal AS w
    {_SIGNAL_FIRST_JOIN}
    {_SIGNAL_UNTIL_JOIN}
    WHERE w.severity IN ('red', 'orange')
      AND (w.resolved_date IS NOT NULL OR w.status <> 'resolved')
)
WHERE until_i > greatest(first_i, $since_i)
"""

# APPRAISAL_AT as a range: from the appraisal until the item's next one.
_STAGE_APPRAISAL_RANGE = f"""
CREATE OR REPLACE TEMP TABLE watchlist_appraisal_range AS
SELECT * FROM (
    SELECT p.loan_id, l.customer_id, p.appraised_value, p.appraisal_date,
           {_APPRAISAL_FIRST} AS first_i, {_APPRAISAL_UNTIL} AS until_i
    FROM ({APPRAISAL}) AS p
    LEFT JOIN dim_loan AS l ON l.loan_id = p.loan_id
    {_APPRAISAL_FIRST_JOIN}
    {_APPRAISAL_UNTIL_JOIN}
)
WHERE until_i > greatest(first_i, $since_i)
"""


def _runs(ranges: str, key: str, measures: str) -> str:
    """SQL of the runs of each ``key`` (key, first_i, until_i, ``measures``): the ranges of
    ``ranges`` that hold at each month end (``x``) cut at every range's start and end into
    disjoint runs over which ``measures`` do not change (a key has one run at a month end, if
    any)."""
    return f"""
    WITH bound AS (
        SELECT DISTINCT {key}, first_i AS i FROM {ranges}
        UNION
        SELECT DISTINCT {key}, until_i AS i FROM {ranges}
    ),
    segment AS (
        SELECT {key}, i AS first_i, lead(i) OVER (PARTITION BY {key} ORDER BY i) AS until_i
        FROM bound
    )
    SELECT g.{key}, g.first_i, g.until_i, {measures}
    FROM segment AS g
    JOIN {ranges} AS x
      ON x.{key} = g.{key} AND x.first_i <= g.first_i AND x.until_i >= g.until_i
    GROUP BY g.{key}, g.first_i, g.until_i
    """


def _dated(runs: str, columns: str) -> str:
    """The runs of ``runs`` (with first_i, until_i) as the month ends first_t … last_t."""
    return f"""
    SELECT {columns}, f.t AS first_t, l.t AS last_t
    FROM ({runs}) AS r
    JOIN watchlist_month_end AS f ON f.i = r.first_i
    JOIN watchlist_month_end AS l ON l.i = r.until_i - 1
    """


# The customer's open red and orange signals, per run.
_SIGNAL_RUNS = _runs(
    "watchlist_signal_range",
    "customer_id",
    "count(*) FILTER (WHERE x.severity = 'red') AS red_signal_count, "
    "count(*) FILTER (WHERE x.severity = 'orange') AS orange_signal_count",
)
_STAGE_SIGNAL = f"""
CREATE OR REPLACE TEMP TABLE watchlist_signal AS
{_dated(_SIGNAL_RUNS, "r.customer_id, r.red_signal_count, r.orange_signal_count")}
"""

# A loan's collateral (Σ of its items' latest values and their oldest date), per run.
_COLLATERAL_RUNS = _runs(
    "watchlist_appraisal_range",
    "loan_id",
    "any_value(x.customer_id) AS customer_id, sum(x.appraised_value) AS collateral_value, "
    "min(x.appraisal_date) AS oldest_appraisal_date",
)
_STAGE_COLLATERAL = f"""
CREATE OR REPLACE TEMP TABLE watchlist_collateral AS
{
    _dated(
        _COLLATERAL_RUNS,
        "r.loan_id, r.customer_id, r.collateral_value, r.oldest_appraisal_date",
    )
}
"""

# OVERDUE_OBLIGATION as a range: after due_date until satisfied_date. A customer's oldest
# overdue obligation at a month end is, of the obligations open then, the first by due date;
# as first_i grows with the due date, obligation k is the oldest exactly from
# max(first_i, the until_i of every earlier one) until its own until_i: the customer's runs,
# each with its due date. (Obligations that end before $since_i are left out: they would
# only push runs' starts to at most $since_i, and a fill starts there.)
_OVERDUE_RUNS = f"""
    WITH open_past_due AS (
        SELECT * FROM (
            SELECT o.customer_id, o.due_date, {_DUE_FIRST} AS first_i, {_DUE_UNTIL} AS until_i
            FROM fct_obligation AS o
            {_DUE_FIRST_JOIN}
            {_DUE_UNTIL_JOIN}
            WHERE o.kind IN ('routine', 'special')
        )
        WHERE until_i > greatest(first_i, $since_i)
    ),
    run AS (
        SELECT customer_id, due_date AS oldest_due_date, until_i,
               greatest(first_i, coalesce(max(until_i) OVER (
                   PARTITION BY customer_id ORDER BY due_date, until_i DESC
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS first_i
        FROM open_past_due
    )
    SELECT * FROM run WHERE first_i < until_i
"""
_STAGE_OVERDUE = f"""
CREATE OR REPLACE TEMP TABLE watchlist_overdue AS
{_dated(_OVERDUE_RUNS, "r.customer_id, r.oldest_due_date")}
"""

# The customers of the chunk's part; {c} is a customer_id. (A whole chunk's statement has no
# such filter: it would cost as much as a third of the statement.)
_IN_PART = "hash({c}) % $parts::UBIGINT = $part::UBIGINT"
_WHOLE = "TRUE"


def _runs_in_chunk(table: str, in_part: str) -> str:
    """The runs of a staged table that meet the chunk's month ends, for its part."""
    return f"""(
        SELECT * FROM {table} AS x
        WHERE x.first_t <= $last_t AND x.last_t >= $first_t
          AND {in_part.format(c="x.customer_id")}
    )"""


# The on-book rows of the month ends $first_t … $last_t not in the best class (only they can
# be downgraded), with their window starts.
_WORSE = f"""
    SELECT a.loan_id, a.as_of_date, a.classification,
           {WINDOW_START.format(t="a.as_of_date")} AS window_start
    FROM agg_loan_month AS a
    WHERE a.as_of_date BETWEEN $first_t AND $last_t
      AND {RANK.format(c="a.classification")} > 1
"""

# A loan row as a cell of its own (its customer has no other loan on the book that month):
# LOAN_FACTS of one row.
_ONE_LOAN_FACTS = f"""
    1 AS loan_count,
    s.balance,
    {RANK.format(c="s.classification")} AS worst_class_rank,
    CASE WHEN {_NPL} THEN 1 ELSE 0 END AS npl_loan_count,
    CASE WHEN s.is_downgraded THEN 1 ELSE 0 END AS downgraded_loan_count,
    s.days_past_due AS worst_dpd,
    CASE WHEN {IS_FLOOR_BREACH} THEN 1 ELSE 0 END AS floor_breach_count,
    s.collateral_value / s.balance AS lowest_coverage,
    s.oldest_appraisal_date
"""

# A loan row that could make its customer listed under some setting of the query-time
# thresholds (a cell's is the OR of its rows').
_LOAN_CANDIDATE = f"""
    coalesce({_NPL}, FALSE) OR s.is_downgraded OR s.days_past_due > 0
    OR coalesce({IS_FLOOR_BREACH}, FALSE) OR s.oldest_appraisal_date IS NOT NULL
"""


def _fill(in_part: str) -> str:
    """The statement filling the month ends $first_i … $last_i (dates $first_t … $last_t) for
    the customers ``in_part`` (_IN_PART or _WHOLE) selects:

    - downgraded: a loan row whose class is worse than at the loan's first on-book row on or
      after the row's window start (ASOF over the rows of the same loans since the chunk's
      first window start);
    - collateral, signals, overdue: the staged run holding at the row's month end;
    - customer: each customer's loans that month and whether it is a candidate (some setting
      of the query-time thresholds could list it: a candidate loan, an open red or orange
      signal or an overdue obligation); only candidates' rows go on;
    - a customer with one loan has one cell: its row; the others' rows are grouped by cell."""
    collateral = _runs_in_chunk("watchlist_collateral", in_part)
    signal = _runs_in_chunk("watchlist_signal", in_part)
    overdue = _runs_in_chunk("watchlist_overdue", in_part)
    return f"""
INSERT INTO agg_watchlist_month
WITH downgraded AS (
    SELECT a.as_of_date, a.loan_id
    FROM ({_WORSE}) AS a
    ASOF JOIN (
        SELECT b.loan_id, b.as_of_date, b.classification
        FROM agg_loan_month AS b
        WHERE b.as_of_date BETWEEN {WINDOW_START.format(t="$first_t")} AND $last_t
          AND b.loan_id IN (SELECT w.loan_id FROM ({_WORSE}) AS w)
    ) AS b ON b.loan_id = a.loan_id AND b.as_of_date >= a.window_start
    WHERE {RANK.format(c="a.classification")} > {RANK.format(c="b.classification")}
),
s AS (
    SELECT a.as_of_date, a.loan_id, l.customer_id, l.contract_amount, a.org_id, a.product,
           a.customer_type, a.industry_code, a.guarantee_type, a.manager_id, a.classification,
           a.balance, a.days_past_due,
           d.loan_id IS NOT NULL AS is_downgraded,
           sc.collateral_value, sc.oldest_appraisal_date
    FROM agg_loan_month AS a
    JOIN (
        SELECT l.loan_id, l.customer_id, l.contract_amount
        FROM dim_loan AS l
        WHERE {in_part.format(c="l.customer_id")}
    ) AS l ON l.loan_id = a.loan_id
    LEFT JOIN downgraded AS d ON d.as_of_date = a.as_of_date AND d.loan_id = a.loan_id
    LEFT JOIN {collateral} AS sc
      ON sc.loan_id = a.loan_id AND a.as_of_date BETWEEN sc.first_t AND sc.last_t
    WHERE a.as_of_date BETWEEN $first_t AND $last_t
),
customer AS (
    SELECT k.as_of_date, k.customer_id, k.loans,
           sg.red_signal_count, sg.orange_signal_count, od.oldest_due_date
    FROM (
        SELECT s.as_of_date, s.customer_id, count(*) AS loans,
               bool_or({_LOAN_CANDIDATE}) AS has_candidate_loan
        FROM s
        GROUP BY s.as_of_date, s.customer_id
    ) AS k
    LEFT JOIN {signal} AS sg
      ON sg.customer_id = k.customer_id AND k.as_of_date BETWEEN sg.first_t AND sg.last_t
    LEFT JOIN {overdue} AS od
      ON od.customer_id = k.customer_id AND k.as_of_date BETWEEN od.first_t AND od.last_t
    WHERE k.has_candidate_loan OR sg.customer_id IS NOT NULL OR od.customer_id IS NOT NULL
),
r AS (
    SELECT s.*, k.loans, k.red_signal_count, k.orange_signal_count, k.oldest_due_date
    FROM s
    JOIN customer AS k ON k.as_of_date = s.as_of_date AND k.customer_id = s.customer_id
)
SELECT s.as_of_date, s.customer_id, s.org_id, s.product, s.customer_type, s.industry_code,
    s.guarantee_type, s.manager_id, s.balance, s.contract_amount, s.loan_id,
    {_ONE_LOAN_FACTS},
    s.red_signal_count, s.orange_signal_count, s.oldest_due_date
FROM r AS s
WHERE s.loans = 1
UNION ALL
SELECT s.as_of_date, s.customer_id, s.org_id, s.product,
    any_value(s.customer_type), any_value(s.industry_code), s.guarantee_type, s.manager_id,
    max(s.balance), max_by(s.contract_amount, {LARGEST}), max_by(s.loan_id, {LARGEST}),
    {LOAN_FACTS},
    any_value(s.red_signal_count), any_value(s.orange_signal_count),
    any_value(s.oldest_due_date)
FROM r AS s
WHERE s.loans > 1
GROUP BY s.as_of_date, s.customer_id, s.org_id, s.product, s.guarantee_type, s.manager_id
ORDER BY 1  -- a month's rows contiguous: a query of one month skips the others
"""


_FILL_WHOLE = _fill(_WHOLE)
_FILL_PART = _fill(_IN_PART)

_STAGE = (
    _STAGE_DAY,
    _STAGE_SIGNAL_RANGE,
    _STAGE_SIGNAL,
    _STAGE_APPRAISAL_RANGE,
    _STAGE_COLLATERAL,
    _STAGE_OVERDUE,
)
_STAGED = (
    "watchlist_month_end",
    "watchlist_day",
    "watchlist_signal_range",
    "watchlist_signal",
    "watchlist_appraisal_range",
    "watchlist_collateral",
    "watchlist_overdue",
)


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> None:
    """Run ``sql`` with the parameters of ``params`` it names (DuckDB wants no others)."""
    named = set(re.findall(r"\$(\w+)", sql))
    con.execute(sql, {k: v for k, v in params.items() if k in named})


# The whole bank's rows of the month ends from $first_t to $last_t, combined per customer; at
# most _BANK_ROWS loan rows' worth a statement (2.6M customer rows a month at 10M loans).
_BANK_ROWS = 20_000_000
_FILL_BANK = f"""
INSERT INTO agg_watchlist_bank_month
SELECT a.as_of_date, a.customer_id, {CUSTOMER_FACTS}
FROM agg_watchlist_month AS a
WHERE a.as_of_date BETWEEN $first_t AND $last_t
GROUP BY a.as_of_date, a.customer_id
ORDER BY a.as_of_date, a.customer_id
"""


def _chunks(months: list[tuple[int, date, int]]) -> list[dict[str, object]]:
    """The parameters of each fill statement, in month-end order, from the month ends (index,
    date, loan rows): consecutive ones up to _CHUNK_ROWS loan rows, a larger one in parts."""
    chunks: list[dict[str, object]] = []
    for group in consecutive(months, _CHUNK_ROWS):
        (first_i, first_t, _), (last_i, last_t, _) = group[0], group[-1]
        parts = max(1, -(-sum(m[2] for m in group) // _CHUNK_ROWS))
        for part in range(parts):
            chunks.append(
                {
                    "first_i": first_i,
                    "last_i": last_i,
                    "first_t": first_t,
                    "last_t": last_t,
                    "parts": parts,
                    "part": part,
                }
            )
    return chunks


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


def build(con: duckdb.DuckDBPyConnection, settings: Settings, since: date | None = None) -> None:
    """(Re)create agg_watchlist_month with this load's rules, from agg_loan_month (built
    before it), the facts and fct_obligation. Left empty, with no rules recorded (the metric
    then derives from the facts), when fct_obligation is missing or holds other rules.

    With ``since`` (a month end), only the month ends on or after it are deleted and filled
    again: the caller guarantees that the facts of earlier months did not change. A missing
    table or other recorded rules mean a full build whatever ``since`` says."""
    key = rules_key(settings.watchlist, settings.asset_quality, settings.inspection)
    if built_obligation_rules(con) != obligation_rules_key(settings.inspection):
        con.execute(DDL)
        return
    full = (
        since is None
        or not has_table(con, "agg_watchlist_month")
        or not has_table(con, "agg_watchlist_bank_month")  # built before there was one
        or built_key(con) != key
    )
    if full:
        con.execute(DDL)
        since = date.min
    else:
        for table in ("agg_watchlist_month", "agg_watchlist_bank_month"):
            con.execute(f"DELETE FROM {table} WHERE as_of_date >= $since", {"since": since})
    con.execute(_STAGE_MONTH_END)
    months = con.execute(
        "SELECT i, t, loan_rows FROM watchlist_month_end WHERE t >= $since ORDER BY i",
        {"since": since},
    ).fetchall()
    if months:
        first, count = con.execute("SELECT min(t), count(*) FROM watchlist_month_end").fetchone()
        params: dict[str, object] = {
            **floor_rule_params(settings.asset_quality),  # with $classes, best to worst
            **build_params(settings.watchlist),
            "first_month_end": first,
            "after_last": count + 1,
            "since_i": months[0][0],
        }
        for sql in _STAGE:
            _execute(con, sql, params)
        for chunk in _chunks(months):
            fill = _FILL_WHOLE if chunk["parts"] == 1 else _FILL_PART
            _execute(con, fill, {**params, **chunk})
        for group in consecutive(months, _BANK_ROWS):
            con.execute(_FILL_BANK, {"first_t": group[0][1], "last_t": group[-1][1]})
    for table in _STAGED:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    if full:
        con.execute("INSERT INTO agg_watchlist_rules VALUES ($rules)", {"rules": key})
