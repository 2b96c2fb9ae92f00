"""The watch list of problem borrowers at a month end (METRICS.md §6, 问题客户清单).

A customer is in a scope when one of its loans on the book at the month end is in the scope
(booking org in the subtree, the loan and customer filters, and for ``Scope.manager_id`` its
manager at that month end). It is on the list when a trigger holds; its score is the sum of the
points (``WatchlistRules``) of the triggers that hold, and orders the list. A trigger with 0
points is switched off.

How the rules are read (METRICS.md §6 leaves these open):

- Loan triggers look at the customer's loans *in the scope* only (NPL, downgrade, days past
  due, floor breach, collateral): a branch sees its own loans' state, never that of a loan
  booked elsewhere; balance, loan count and the responsible manager and org (those of the
  largest loan in scope: balance, then contract amount, then loan id, as in §5) likewise.
  Signals and inspection obligations belong to the customer, whichever loan they mention.
- Open signal: raised on or before the month end and not resolved by it: no ``resolved_date``
  on or before the month end, and not status ``resolved`` without a date (处置中 is open).
  Each open red signal makes the red trigger hold (scored once however many); orange alike.
  Yellow signals do not count.
- NPL: a loan classed substandard, doubtful or loss at the month end.
- Downgrade: a loan whose class at the month end is worse than its class at the start of the
  window, the month end ``downgrade_window_months`` calendar months before; for a loan not on
  the book then (disbursed since), its first month end on the book in the window. A loan that
  worsened and recovered within the window is not downgraded; one that improved never is.
- Days past due: the worst dpd of the customer's loans; more than ``dpd_high_days`` scores the
  high points, else more than 0 the low ones: the two never add up (when the high trigger is
  switched off, the low one applies to any dpd > 0).
- Floor breach: METRICS.md §1's, with ``asset_quality.classification_floors``; the same SQL
  expression as ``metrics.asset_quality`` (``IS_FLOOR_BREACH``).
- Overdue obligation: a routine or special obligation of the customer (§5 engine, the
  inspection rules of the call) open at the month end and overdue more than
  ``obligation_overdue_days`` days (month end − due date, as §5's days_overdue); exactly that
  many days does not count.
- Collateral gap: per loan, not per customer (an item secures its loan: over-collateral on one
  loan does not cover another). A collateral item is taken as of its latest appraisal on or
  before the month end (value and date; the loan of that row). Coverage of a loan = Σ of its
  items' latest values / its balance; the trigger holds for a loan with items when coverage is
  below ``coverage_floor`` (exactly the floor is covered) or when an item's latest appraisal is
  more than ``appraisal_max_age_days`` days before the month end. A loan without collateral
  rows (whatever its guarantee type) has no coverage and never triggers.
- Severity: 高 from ``severity_high_from`` points, 中 from ``severity_medium_from``, else 低.

Two sources give the same rows (tests/test_watchlist.py checks it on the demo bank): the
load-time aggregate of ``warehouse.aggregates.watchlist`` when it was built with the rules of
the call (downgrade window, classification floors, inspection rules; for the whole bank, its
rows combined per customer at load), and the facts otherwise.
Points, thresholds and bands are bound parameters applied here, so changing them needs no
reload. Every function takes a ``WatchlistFilter`` that narrows the list the way the page does
(triggers, severities, responsible manager); the figures of a filtered list are those of the
rows it shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from daihou.settings import AssetQualityRules, InspectionRules, Settings, WatchlistRules
from etl.contract import CLASSES
from metrics.aggregate_scope import AGGREGATE_SCOPE_FILTER
from metrics.obligations import obligation_source
from metrics.orgs import root_org_id
from metrics.scope import SCOPED_LOANS, SNAPSHOT_MANAGER_FILTER, Scope
from warehouse.aggregates import watchlist as agg
from warehouse.aggregates.asset_quality import ON_BOOK
from warehouse.aggregates.asset_quality import rule_params as floor_rule_params
from warehouse.connection import has_table

# The triggers in the order the list shows them; each has a has_<trigger> column.
TRIGGERS: tuple[str, ...] = (
    "red_signal",
    "orange_signal",
    "npl",
    "downgrade",
    "dpd_high",
    "dpd",
    "floor_breach",
    "overdue_obligation",
    "collateral_gap",
)
SEVERITIES: tuple[str, ...] = ("high", "medium", "low")

# -- SQL ---------------------------------------------------------------------------------------

# One row per customer in scope at $as_of with agg.FACT_COLUMNS, from one of two sources.

_WORSE_THAN_BEFORE = (
    f"{agg.RANK.format(c='b.classification')} > {agg.RANK.format(c='w.class_before')}"
)

# From the fact tables, at one month end $as_of -------------------------------------------

# {obligations}: the SQL of every §5 obligation (metrics.obligations.obligation_source).
_FACTS_FROM_FACTS = f"""
    WITH book AS (
        SELECT s.loan_id, l.customer_id, l.contract_amount, l.org_id, s.manager_id,
               s.classification, s.balance, s.days_past_due
        FROM fct_loan_snapshot AS s
        JOIN ({SCOPED_LOANS}) AS l ON l.loan_id = s.loan_id
        WHERE s.as_of_date = $as_of AND {ON_BOOK} AND {SNAPSHOT_MANAGER_FILTER}
    ),
    -- the class at the first month end on the book in the window
    window_open AS (
        SELECT s.loan_id, arg_min(s.classification, s.as_of_date) AS class_before
        FROM fct_loan_snapshot AS s
        WHERE s.as_of_date BETWEEN {agg.WINDOW_START.format(t="$as_of")} AND $as_of
          AND {ON_BOOK} AND s.loan_id IN (SELECT loan_id FROM book)
        GROUP BY s.loan_id
    ),
    secured AS (
        SELECT p.loan_id, sum(p.appraised_value) AS collateral_value,
               min(p.appraisal_date) AS oldest_appraisal_date
        FROM ({agg.APPRAISAL}) AS p
        WHERE {agg.APPRAISAL_AT.format(t="$as_of")} AND p.loan_id IN (SELECT loan_id FROM book)
        GROUP BY p.loan_id
    ),
    s AS (
        SELECT b.*,
            coalesce({_WORSE_THAN_BEFORE}, FALSE) AS is_downgraded,
            sc.collateral_value, sc.oldest_appraisal_date
        FROM book AS b
        LEFT JOIN window_open AS w ON w.loan_id = b.loan_id
        LEFT JOIN secured AS sc ON sc.loan_id = b.loan_id
    ),
    loan_side AS (
        SELECT s.customer_id,
            arg_max(s.manager_id, {agg.LARGEST}) AS manager_id,
            arg_max(s.org_id, {agg.LARGEST}) AS org_id,
            {agg.LOAN_FACTS}
        FROM s
        GROUP BY s.customer_id
    ),
    signal AS (
        SELECT w.customer_id,
               count(*) FILTER (WHERE w.severity = 'red') AS red_signal_count,
               count(*) FILTER (WHERE w.severity = 'orange') AS orange_signal_count
        FROM fct_warning_signal AS w
        WHERE {agg.OPEN_SIGNAL.format(t="$as_of")} AND w.severity IN ('red', 'orange')
          AND w.customer_id IN (SELECT customer_id FROM loan_side)
        GROUP BY w.customer_id
    ),
    overdue AS (
        SELECT o.customer_id, min(o.due_date) AS oldest_due_date
        FROM ({{obligations}}) AS o
        WHERE {agg.OVERDUE_OBLIGATION.format(t="$as_of")}
          AND o.customer_id IN (SELECT customer_id FROM loan_side)
        GROUP BY o.customer_id
    ),
    c AS (
        SELECT l.*, sg.red_signal_count, sg.orange_signal_count, od.oldest_due_date
        FROM loan_side AS l
        LEFT JOIN signal AS sg ON sg.customer_id = l.customer_id
        LEFT JOIN overdue AS od ON od.customer_id = l.customer_id
    )
    SELECT {agg.FACT_COLUMNS}
    FROM c
"""

# From agg_watchlist_month -----------------------------------------------------------------

_FACTS_FROM_AGGREGATE = f"""
    WITH c AS (
        SELECT a.customer_id, {agg.CUSTOMER_FACTS}
        FROM agg_watchlist_month AS a
        WHERE a.as_of_date = $as_of AND {AGGREGATE_SCOPE_FILTER}
          AND ($scope_manager_id IS NULL OR a.manager_id = $scope_manager_id)
        GROUP BY a.customer_id
    )
    SELECT {agg.FACT_COLUMNS}
    FROM c
"""

# The whole bank's rows, combined per customer at load.
_FACTS_FROM_BANK = f"""
    SELECT {agg.FACT_COLUMNS}
    FROM agg_watchlist_bank_month AS c
    WHERE c.as_of_date = $as_of
"""

# When each trigger holds, over a row ``f`` of the customer facts (warehouse.aggregates.watchlist).
_HOLDS = {
    "red_signal": "f.red_signal_count > 0",
    "orange_signal": "f.orange_signal_count > 0",
    "npl": "f.npl_loan_count > 0",
    "downgrade": "f.downgraded_loan_count > 0",
    "dpd_high": "f.worst_dpd > $dpd_high_days",
    # the low band only where the high one does not score
    "dpd": "f.worst_dpd > 0 AND NOT (f.worst_dpd > $dpd_high_days AND $points_dpd_high > 0)",
    "floor_breach": "f.floor_breach_count > 0",
    "overdue_obligation": "f.oldest_overdue_days > $obligation_overdue_days",
    "collateral_gap": (
        "f.lowest_coverage < $coverage_floor OR f.oldest_appraisal_days > $appraisal_max_age_days"
    ),
}


def _listed_sql(facts: str) -> str:
    """The customers on the list, with has_<trigger>, triggers (the names that hold), score and
    severity, narrowed by the list filter; from ``facts`` (one row per customer in scope)."""
    has = ",\n            ".join(
        f"coalesce({_HOLDS[name]}, FALSE) AND $points_{name} > 0 AS has_{name}" for name in TRIGGERS
    )
    names = ", ".join(f"CASE WHEN has_{name} THEN '{name}' END" for name in TRIGGERS)
    score = " + ".join(f"has_{name}::INTEGER * $points_{name}" for name in TRIGGERS)
    return f"""
    WITH fact AS ({facts}),
    flagged AS (
        SELECT f.*,
            {has}
        FROM fact AS f
    ),
    scored AS (
        SELECT *,
            {score} AS score,
            list_filter([{names}], lambda t: t IS NOT NULL) AS triggers
        FROM flagged
    ),
    listed AS (
        SELECT *,
            CASE WHEN score >= $severity_high_from THEN 'high'
                 WHEN score >= $severity_medium_from THEN 'medium'
                 ELSE 'low' END AS severity
        FROM scored
        WHERE score > 0
    )
    SELECT * FROM listed AS w
    WHERE ($list_triggers IS NULL OR list_has_any($list_triggers, w.triggers))
      AND ($list_severities IS NULL OR list_contains($list_severities, w.severity))
      AND ($list_manager_id IS NULL OR w.manager_id = $list_manager_id)
    """


_LIST_COLUMNS = ",\n        ".join(
    [
        "w.customer_id",
        "c.customer_name",
        "c.customer_type",
        "w.score::INTEGER AS score",
        "w.severity",
        "w.triggers",
        "w.balance::DOUBLE AS balance",
        "w.loan_count::INTEGER AS loan_count",
        "w.manager_id",
        "st.staff_name AS manager_name",
        "w.org_id",
        "o.org_name",
        *(f"w.has_{name}" for name in TRIGGERS),
        "w.red_signal_count::INTEGER AS red_signal_count",
        "w.orange_signal_count::INTEGER AS orange_signal_count",
        "w.worst_class",
        "w.npl_loan_count::INTEGER AS npl_loan_count",
        "w.downgraded_loan_count::INTEGER AS downgraded_loan_count",
        "w.worst_dpd::INTEGER AS worst_dpd",
        "w.floor_breach_count::INTEGER AS floor_breach_count",
        "w.oldest_overdue_days::INTEGER AS oldest_overdue_days",
        "w.lowest_coverage::DOUBLE AS lowest_coverage",
        "w.oldest_appraisal_days::INTEGER AS oldest_appraisal_days",
    ]
)


def _list_sql(facts: str) -> str:
    """The first $limit rows (all when null) in list order, then their names (a join over
    the few rows shown, not the whole list)."""
    order = "w.score DESC, w.balance DESC, w.customer_id"
    return f"""
    WITH w AS (
        SELECT * FROM ({_listed_sql(facts)}) AS w
        ORDER BY {order}
        LIMIT $limit
    )
    SELECT
        {_LIST_COLUMNS}
    FROM w
    JOIN dim_customer AS c ON c.customer_id = w.customer_id
    JOIN dim_org AS o ON o.org_id = w.org_id
    LEFT JOIN dim_staff AS st ON st.staff_id = w.manager_id
    ORDER BY {order}
    """


def _summary_sql(facts: str) -> str:
    counts = [f"count(*) FILTER (WHERE severity = '{s}') AS count_{s}" for s in SEVERITIES]
    counts += [f"count(*) FILTER (WHERE has_{name}) AS count_{name}" for name in TRIGGERS]
    return f"""
    WITH w AS ({_listed_sql(facts)})
    SELECT count(*) AS customer_count, coalesce(sum(balance), 0) AS balance,
        {", ".join(counts)}
    FROM w
    """


_SEVERITY_COUNTS = ", ".join(
    f"count(*) FILTER (WHERE w.severity = '{s}') AS count_{s}" for s in SEVERITIES
)


def _by_org_sql(facts: str) -> str:
    """Per direct child of $scope_org_id (its subtree), then the scope org's own book if any:
    the listed customers whose responsible org (largest loan in scope) is there."""
    return f"""
    WITH w AS ({_listed_sql(facts)}),
    unit AS (
        SELECT o.org_id, o.org_name, FALSE AS is_own_book
        FROM dim_org AS o WHERE o.parent_org_id = $scope_org_id
        UNION ALL
        SELECT o.org_id, o.org_name, TRUE FROM dim_org AS o WHERE o.org_id = $scope_org_id
    ),
    -- the booking orgs each unit covers: a child's subtree, or the scope org alone
    member AS (
        SELECT u.org_id AS unit_org_id, u.is_own_book, b.org_id
        FROM unit AS u
        JOIN bridge_org_subtree AS b
          ON b.ancestor_org_id = u.org_id AND (NOT u.is_own_book OR b.distance = 0)
    ),
    total AS (
        SELECT m.unit_org_id, m.is_own_book,
            count(*) AS customer_count, sum(w.balance)::DOUBLE AS balance, {_SEVERITY_COUNTS}
        FROM w
        JOIN member AS m ON m.org_id = w.org_id
        GROUP BY m.unit_org_id, m.is_own_book
    )
    SELECT u.org_id, u.org_name, u.is_own_book,
        coalesce(t.customer_count, 0) AS customer_count,
        coalesce(t.balance, 0) AS balance,
        {", ".join(f"coalesce(t.count_{s}, 0) AS count_{s}" for s in SEVERITIES)}
    FROM unit AS u
    LEFT JOIN total AS t ON t.unit_org_id = u.org_id AND t.is_own_book = u.is_own_book
    WHERE NOT u.is_own_book OR t.customer_count > 0
    ORDER BY u.is_own_book, u.org_id
    """


def _by_manager_sql(facts: str) -> str:
    return f"""
    WITH w AS ({_listed_sql(facts)})
    SELECT w.manager_id, any_value(st.staff_name) AS manager_name,
        count(*) AS customer_count, sum(w.balance)::DOUBLE AS balance, {_SEVERITY_COUNTS}
    FROM w
    LEFT JOIN dim_staff AS st ON st.staff_id = w.manager_id
    GROUP BY w.manager_id
    ORDER BY customer_count DESC, w.manager_id
    """


def _both(sql: Callable[[str], str]) -> dict[str, str]:
    """The SQL over the aggregate and over the facts (which holds {obligations})."""
    return {
        "aggregate": sql(_FACTS_FROM_AGGREGATE),
        "bank": sql(_FACTS_FROM_BANK),
        "facts": sql(_FACTS_FROM_FACTS),
    }


_LIST = _both(_list_sql)
_SUMMARY = _both(_summary_sql)
_BY_ORG = _both(_by_org_sql)
_BY_MANAGER = _both(_by_manager_sql)

# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchlistFilter:
    """Narrows the list as the page does; the default keeps every listed customer."""

    triggers: tuple[str, ...] = ()  # customers for whom any of these holds (empty: all)
    severities: tuple[str, ...] = ()  # of these severities (empty: all)
    manager_id: str | None = None  # whose responsible manager this is

    def params(self) -> dict[str, object]:
        return {
            "list_triggers": list(self.triggers) or None,
            "list_severities": list(self.severities) or None,
            "list_manager_id": self.manager_id,
        }


EVERYONE = WatchlistFilter()


@dataclass(frozen=True)
class WatchlistSummary:
    """The watch list of a scope at a month end in figures (METRICS.md §6)."""

    as_of: date
    customer_count: int
    balance: Decimal  # Σ balance on the book of the listed customers' loans in scope
    by_severity: dict[str, int]  # high, medium, low -> customers
    by_trigger: dict[str, int]  # trigger -> customers for whom it holds


@dataclass(frozen=True)
class Rules:
    """Every rule the watch list applies: its own, the floors (§1) and the obligations' (§5)."""

    watchlist: WatchlistRules
    quality: AssetQualityRules
    inspection: InspectionRules

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        return cls(settings.watchlist, settings.asset_quality, settings.inspection)


# -- API ---------------------------------------------------------------------------------------


def watchlist(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: date,
    rules: Rules,
    filters: WatchlistFilter = EVERYONE,
    limit: int | None = None,
) -> pd.DataFrame:
    """The watch list at ``as_of``: one row per customer on it, highest score first, then
    largest balance, then customer id; the first ``limit`` rows when given.

    Columns: customer_id, customer_name, customer_type, score, severity (high · medium · low),
    triggers (the names of TRIGGERS that hold, in that order), balance (yuan, the customer's
    loans in scope on the book), loan_count, manager_id, manager_name, org_id, org_name (of its
    largest loan in scope); has_<trigger> for each of TRIGGERS; details: red_signal_count,
    orange_signal_count (open signals), worst_class (of its loans in scope), npl_loan_count,
    downgraded_loan_count, worst_dpd, floor_breach_count, oldest_overdue_days (its oldest open
    routine/special obligation; null: none past due), lowest_coverage (over its loans with
    collateral; null: none), oldest_appraisal_days (age of the oldest latest appraisal).
    """
    sql, params = _source(con, _LIST, scope, as_of, rules, filters)
    return con.execute(sql, {**params, "limit": limit}).df()


def watchlist_summary(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: date,
    rules: Rules,
    filters: WatchlistFilter = EVERYONE,
) -> WatchlistSummary:
    """Count and balance of the (filtered) watch list; customers by severity and by trigger."""
    sql, params = _source(con, _SUMMARY, scope, as_of, rules, filters)
    row = con.execute(sql, params).fetchone()
    assert row is not None
    count, balance, *counts = row
    return WatchlistSummary(
        as_of=as_of,
        customer_count=count,
        balance=Decimal(balance),
        by_severity=dict(zip(SEVERITIES, counts[: len(SEVERITIES)], strict=True)),
        by_trigger=dict(zip(TRIGGERS, counts[len(SEVERITIES) :], strict=True)),
    )


def watchlist_count(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, rules: Rules) -> int:
    """Customers on the watch list at ``as_of``: METRICS.md §8's ``watchlist_count``."""
    return watchlist_summary(con, scope, as_of, rules).customer_count


def watchlist_by_org(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: date,
    rules: Rules,
    filters: WatchlistFilter = EVERYONE,
) -> pd.DataFrame:
    """The (filtered) list per direct child of the scope's org, each customer counted where
    its largest loan in scope is booked.

    Columns: org_id, org_name, is_own_book, customer_count, balance (yuan), count_high,
    count_medium, count_low. Children first by org_id, each listed even with nobody on the
    list; then the scope org's own book when customers are listed there. Rows add up to the
    summary.
    """
    sql, params = _source(con, _BY_ORG, scope, as_of, rules, filters)
    return con.execute(sql, params).df()


def watchlist_by_manager(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: date,
    rules: Rules,
    filters: WatchlistFilter = EVERYONE,
) -> pd.DataFrame:
    """The (filtered) list per responsible manager: manager_id, manager_name, customer_count,
    balance (yuan), count_high, count_medium, count_low; most customers first."""
    sql, params = _source(con, _BY_MANAGER, scope, as_of, rules, filters)
    return con.execute(sql, params).df()


def rule_params(rules: WatchlistRules) -> dict[str, object]:
    """Bound parameters of the scoring: points, thresholds and severity bands."""
    return {
        **{f"points_{name}": points for name, points in rules.points().items()},
        "dpd_high_days": rules.dpd_high_days,
        "obligation_overdue_days": rules.obligation_overdue_days,
        "coverage_floor": rules.coverage_floor,
        "appraisal_max_age_days": rules.appraisal_max_age_days,
        "severity_high_from": rules.severity_high_from,
        "severity_medium_from": rules.severity_medium_from,
    }


def _is_whole_bank(con: duckdb.DuckDBPyConnection, scope: Scope) -> bool:
    """Every loan: the root org, no loan filter, no manager."""
    whole = not scope.has_loan_filters and scope.manager_id is None
    return whole and scope.org_id == root_org_id(con)


def _source(
    con: duckdb.DuckDBPyConnection,
    sqls: dict[str, str],
    scope: Scope,
    as_of: date,
    rules: Rules,
    filters: WatchlistFilter,
) -> tuple[str, dict[str, object]]:
    """The aggregate's SQL when it was built with these rules (for the whole bank, its rows
    combined per customer at load), else the facts' (with the §5 obligations from
    fct_obligation, or derived when that holds other rules)."""
    params: dict[str, object] = {
        **scope.params(),
        **rule_params(rules.watchlist),
        **filters.params(),
        "classes": list(CLASSES),
        "as_of": as_of,
    }
    if agg.built_key(con) == agg.rules_key(rules.watchlist, rules.quality, rules.inspection):
        if _is_whole_bank(con, scope) and has_table(con, "agg_watchlist_bank_month"):
            # DuckDB refuses parameters a statement does not use: this one has no scope filter
            sql = sqls["bank"]
            return sql, {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
        return sqls["aggregate"], params
    obligations, obligation_params = obligation_source(con, rules.inspection)
    sql = sqls["facts"].replace("{obligations}", obligations)
    facts_params = {
        **floor_rule_params(rules.quality),
        **agg.build_params(rules.watchlist),
        **obligation_params,
    }
    return sql, {**params, **facts_params}
