"""Inspection obligations and compliance (METRICS.md §5).

Obligations come from ``fct_obligation`` when it was built with the rules of the call, and
from ``DERIVE_OBLIGATIONS`` run on the facts otherwise (a settings change before the next
load); both give the same rows (tests/test_obligations.py checks it on the demo bank). The
status of an obligation depends on the as-of date and is worked out here:

- on_time: satisfied on or before the as-of date, by the due date;
- late: satisfied on or before the as-of date, after the due date (days_late);
- overdue: not satisfied by the as-of date, due date before it (days_overdue);
- pending: not satisfied by the as-of date, not yet past due.

An obligation is in a scope through its basis loan (the obligation's loan, or the customer's
largest): booking org in the subtree, the loan and customer filters, and the responsible
manager for ``Scope.manager_id``. Every value is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from daihou.settings import InspectionRules
from metrics.scope import Scope
from warehouse.aggregates.obligations import (
    DERIVE_OBLIGATIONS,
    INSPECTION_REPORTS,
    built_rules,
    rule_params,
    rules_key,
)
from warehouse.connection import has_table

# -- SQL ---------------------------------------------------------------------------------------

# An obligation's status at $as_of (METRICS.md §5); other metrics reuse it on ``o``.
STATUS = """
    CASE
        WHEN o.satisfied_date <= $as_of AND o.satisfied_date <= o.due_date THEN 'on_time'
        WHEN o.satisfied_date <= $as_of THEN 'late'
        WHEN o.due_date < $as_of THEN 'overdue'
        ELSE 'pending'
    END
"""


# The scope's loan filters on dim_loan l and dim_customer c.
_LOAN_FILTERS = """
      AND ($scope_product IS NULL OR l.product = $scope_product)
      AND ($scope_customer_type IS NULL OR c.customer_type = $scope_customer_type)
      AND ($scope_industry_code IS NULL OR c.industry_code = $scope_industry_code)
      AND ($scope_guarantee_type IS NULL OR l.guarantee_type = $scope_guarantee_type)
"""


def _obligations_sql(source: str, loan_filters: bool) -> str:
    """Obligations of ``source`` in the scope with status at $as_of; the loan filters' joins
    only when the scope has them (they cost most of a whole-bank list)."""
    joins = (
        "JOIN dim_customer AS c ON c.customer_id = o.customer_id\n"
        "    LEFT JOIN dim_loan AS l ON l.loan_id = o.basis_loan_id"
        if loan_filters
        else ""
    )
    return f"""
    SELECT
        o.obligation_id, o.kind, o.customer_id, o.loan_id, o.trigger_date, o.due_date,
        CASE WHEN o.satisfied_date <= $as_of THEN o.satisfied_date END AS satisfied_date,
        CASE WHEN o.satisfied_date <= $as_of THEN o.inspection_id END AS inspection_id,
        CASE WHEN o.satisfied_date <= $as_of THEN o.inspection_staff_id END
            AS inspection_staff_id,
        o.manager_id, o.org_id, o.basis_loan_id,
        {STATUS} AS status,
        CASE WHEN o.satisfied_date <= $as_of AND o.satisfied_date > o.due_date
             THEN o.satisfied_date - o.due_date END AS days_late,
        CASE WHEN (o.satisfied_date IS NULL OR o.satisfied_date > $as_of) AND o.due_date < $as_of
             THEN $as_of - o.due_date END AS days_overdue
    FROM ({source}) AS o
    JOIN bridge_org_subtree AS b ON b.org_id = o.org_id AND b.ancestor_org_id = $scope_org_id
    {joins}
    WHERE ($scope_manager_id IS NULL OR o.manager_id = $scope_manager_id)
      {_LOAN_FILTERS if loan_filters else ""}
    """


_ROWS = {
    (table, loan_filters): _obligations_sql(
        "SELECT * FROM fct_obligation" if table else DERIVE_OBLIGATIONS, loan_filters
    )
    for table in (True, False)
    for loan_filters in (True, False)
}


# -- compliance cells --------------------------------------------------------------------------
# Both sources give cells with the same columns, summed by the queries below: org_id,
# manager_id, kind, due_month and the §5 counts for obligations due in ($start, $end] with due
# date <= $as_of (due, on_time, late, overdue, days_late = Σ days late of the late ones) and,
# whatever the period, those open past due at $as_of (backlog, oldest_due). The aggregate
# answers when the dates are month ends and the scope has no loan filters (one cell per
# aggregate row); the obligation rows answer always (one cell per obligation).

_CELLS_FROM_AGGREGATE = """
    SELECT org_id, manager_id, kind, due_month,
        CASE WHEN in_period THEN obligations ELSE 0 END AS due,
        CASE WHEN in_period AND on_time THEN obligations ELSE 0 END AS on_time,
        CASE WHEN in_period AND is_late THEN obligations ELSE 0 END AS late,
        CASE WHEN in_period AND is_overdue THEN obligations ELSE 0 END AS overdue,
        CASE WHEN in_period AND is_late THEN days_late ELSE 0 END AS days_late,
        CASE WHEN is_overdue THEN obligations ELSE 0 END AS backlog,
        CASE WHEN is_overdue THEN first_due_date END AS oldest_due
    FROM (
        SELECT a.*,
            due_month > $start AND due_month <= $end AND due_month <= $as_of AS in_period,
            NOT on_time AND satisfied_month <= $as_of AS is_late,
            NOT on_time AND (satisfied_month IS NULL OR satisfied_month > $as_of)
                AND (due_month < $as_of OR (due_month = $as_of AND NOT due_on_month_end))
                AS is_overdue
        FROM agg_obligation_month AS a
        JOIN bridge_org_subtree AS b
          ON b.org_id = a.org_id AND b.ancestor_org_id = $scope_org_id
        WHERE ($scope_manager_id IS NULL OR a.manager_id = $scope_manager_id)
    )
"""


# The same figures where the backlog at $as_of is stored (agg_obligation_backlog), for every
# grouping but by due month: the period's rows of agg_obligation_month only (stored by due
# month: a few row groups, not every month's open cells), and one backlog cell per org, manager
# and kind (due_month null).
_CELLS_WITH_STORED_BACKLOG = f"""
    SELECT org_id, manager_id, kind, due_month, due, on_time, late, overdue, days_late,
           0 AS backlog, NULL::DATE AS oldest_due
    FROM ({_CELLS_FROM_AGGREGATE})
    WHERE due_month > $start AND due_month <= least($end, $as_of)
    UNION ALL
    SELECT k.org_id, k.manager_id, k.kind, NULL, 0, 0, 0, 0, 0, k.backlog, k.oldest_due
    FROM agg_obligation_backlog AS k
    JOIN bridge_org_subtree AS b ON b.org_id = k.org_id AND b.ancestor_org_id = $scope_org_id
    WHERE k.as_of_date = $as_of
      AND ($scope_manager_id IS NULL OR k.manager_id = $scope_manager_id)
"""


def _cells_from_rows(rows: str) -> str:
    return f"""
    SELECT org_id, manager_id, kind, last_day(due_date) AS due_month,
        in_period::INTEGER AS due,
        (in_period AND status = 'on_time')::INTEGER AS on_time,
        (in_period AND status = 'late')::INTEGER AS late,
        (in_period AND status = 'overdue')::INTEGER AS overdue,
        CASE WHEN in_period AND status = 'late' THEN days_late ELSE 0 END AS days_late,
        (status = 'overdue')::INTEGER AS backlog,
        CASE WHEN status = 'overdue' THEN due_date END AS oldest_due
    FROM (
        SELECT *, due_date > $start AND due_date <= $end AND due_date <= $as_of AS in_period
        FROM ({rows})
    )
    """


# The §5 figures over a set of cells, as columns (after the grouping columns).
_FIGURES = """
    coalesce(sum(due), 0)::BIGINT AS due, coalesce(sum(on_time), 0)::BIGINT AS on_time,
    coalesce(sum(late), 0)::BIGINT AS late, coalesce(sum(overdue), 0)::BIGINT AS overdue,
    sum(on_time) / nullif(sum(due), 0) AS on_time_rate,
    (sum(on_time) + sum(late)) / nullif(sum(due), 0) AS completion_rate,
    sum(days_late) / nullif(sum(late), 0) AS average_days_late,
    coalesce(sum(backlog), 0)::BIGINT AS overdue_backlog,
    ($as_of - min(oldest_due))::INTEGER AS oldest_days_overdue
"""

_SUMMARY = f"SELECT {_FIGURES} FROM cells"


# The cells summed per ``key`` first, under the same columns: a few hundred orgs or some
# thousand managers, to which names are then joined (joined to 19M cells at 10M loans, before
# grouping, they took seconds).
def _cells_by(key: str) -> str:
    return f"""
    , cells_by_key AS (
        SELECT {key}, sum(due) AS due, sum(on_time) AS on_time, sum(late) AS late,
               sum(overdue) AS overdue, sum(days_late) AS days_late, sum(backlog) AS backlog,
               min(oldest_due) AS oldest_due
        FROM cells
        GROUP BY {key}
    )
    """


# by direct child of the scope's org (over its subtree), then the scope org's own book
_BY_ORG = f"""
    {_cells_by("org_id")}
    , unit AS (
        SELECT o.org_id AS unit_org_id, b.org_id
        FROM dim_org AS o
        JOIN bridge_org_subtree AS b ON b.ancestor_org_id = o.org_id
        WHERE o.parent_org_id = $scope_org_id
        UNION ALL
        SELECT $scope_org_id, $scope_org_id
    )
    SELECT u.unit_org_id AS org_id, o.org_name, o.level,
           u.unit_org_id = $scope_org_id AS is_own_book, {_FIGURES}
    FROM cells_by_key AS c
    JOIN unit AS u ON u.org_id = c.org_id
    JOIN dim_org AS o ON o.org_id = u.unit_org_id
    GROUP BY ALL
    ORDER BY is_own_book, org_id
"""

_BY_MANAGER = f"""
    {_cells_by("manager_id")}
    SELECT c.manager_id, st.staff_name AS manager_name, st.org_id AS manager_org_id,
           o.org_name AS manager_org_name, {_FIGURES}
    FROM cells_by_key AS c
    LEFT JOIN dim_staff AS st ON st.staff_id = c.manager_id
    LEFT JOIN dim_org AS o ON o.org_id = st.org_id
    GROUP BY ALL
    HAVING sum(due) > 0 OR sum(backlog) > 0
    ORDER BY on_time_rate DESC NULLS LAST, due DESC, manager_id
"""

_BY_MONTH = f"""
    SELECT due_month, {_FIGURES}
    FROM cells
    WHERE due_month > $start AND due_month <= last_day($end)
    GROUP BY ALL
    ORDER BY due_month
"""

_BY_KIND = f"SELECT kind, {_FIGURES} FROM cells GROUP BY ALL ORDER BY kind"

# -- lists of obligations ----------------------------------------------------------------------

_NAMED = """
    SELECT o.obligation_id, o.kind, o.customer_id, c.customer_name, o.loan_id, o.trigger_date,
           o.due_date, o.status, o.days_overdue, o.manager_id, st.staff_name AS manager_name,
           o.org_id, g.org_name
    FROM ({rows}) AS o
    JOIN dim_customer AS c ON c.customer_id = o.customer_id
    LEFT JOIN dim_staff AS st ON st.staff_id = o.manager_id
    LEFT JOIN dim_org AS g ON g.org_id = o.org_id
"""

# open past due at $as_of, most overdue first
_BACKLOG = (
    "WITH open AS ({rows} AND o.due_date < $as_of "
    "AND (o.satisfied_date IS NULL OR o.satisfied_date > $as_of) "
    "ORDER BY o.due_date, o.obligation_id LIMIT $limit) "
    + _NAMED.replace("({rows})", "open")
    + " ORDER BY o.due_date, o.obligation_id"
)

# open at $as_of, known by then (trigger on or before), due in ($as_of, $as_of + $days]
_DUE_SOON = (
    "WITH open AS ({rows} AND o.due_date > $as_of AND o.due_date <= $as_of + $days "
    "AND o.trigger_date <= $as_of "
    "AND (o.satisfied_date IS NULL OR o.satisfied_date > $as_of) "
    "ORDER BY o.due_date, o.obligation_id LIMIT $limit) "
    + _NAMED.replace("({rows})", "open")
    + " ORDER BY o.due_date, o.obligation_id"
)

# -- report quality ----------------------------------------------------------------------------

_REPORT_CELLS_FROM_AGGREGATE = """
    SELECT a.staff_id, a.report_working_days, a.reviewed, a.inspections
    FROM agg_inspection_month AS a
    JOIN bridge_org_subtree AS b ON b.org_id = a.org_id AND b.ancestor_org_id = $scope_org_id
    WHERE a.month > $start AND a.month <= $end
      AND ($scope_manager_id IS NULL OR a.staff_id = $scope_manager_id)
"""

# Inspections dated in ($start, $end] by staff of the scope's orgs (and loan filters).
_INSPECTIONS_IN_WINDOW = f"""
    SELECT i.*
    FROM ({INSPECTION_REPORTS}) AS i
    JOIN bridge_org_subtree AS b ON b.org_id = i.org_id AND b.ancestor_org_id = $scope_org_id
    JOIN dim_customer AS c ON c.customer_id = i.customer_id
    LEFT JOIN dim_loan AS l ON l.loan_id = i.loan_id
    WHERE i.inspection_date > $start AND i.inspection_date <= $end
      AND ($scope_manager_id IS NULL OR i.staff_id = $scope_manager_id)
      {_LOAN_FILTERS}
"""

_REPORT_CELLS_FROM_ROWS = f"""
    SELECT staff_id, report_working_days, reviewer_id IS NOT NULL AS reviewed, 1 AS inspections
    FROM ({_INSPECTIONS_IN_WINDOW})
"""

_REPORT_FIGURES = """
    sum(inspections)::BIGINT AS inspections,
    coalesce(sum(inspections) FILTER (
        WHERE report_working_days <= $report_due_working_days AND reviewed), 0)::BIGINT AS good,
    coalesce(sum(inspections) FILTER (WHERE report_working_days IS NULL), 0)::BIGINT
        AS without_report,
    coalesce(sum(inspections) FILTER (
        WHERE report_working_days > $report_due_working_days), 0)::BIGINT AS late_report,
    coalesce(sum(inspections) FILTER (WHERE NOT reviewed), 0)::BIGINT AS without_reviewer,
    coalesce(sum(inspections) FILTER (
        WHERE report_working_days <= $report_due_working_days AND reviewed), 0)
        / nullif(sum(inspections), 0) AS share_good
"""

_REPORT_SUMMARY = f"SELECT {_REPORT_FIGURES} FROM cells"

_REPORT_BY_MANAGER = f"""
    SELECT c.staff_id AS manager_id, st.staff_name AS manager_name, {_REPORT_FIGURES}
    FROM cells AS c
    LEFT JOIN dim_staff AS st ON st.staff_id = c.staff_id
    GROUP BY ALL
    ORDER BY share_good DESC NULLS LAST, manager_id
"""

# Inspections with a report problem dated in ($start, $end] by staff of the scope, newest
# first; the loan filters' joins only when the scope has them.


def _report_issues_sql(loan_filters: bool) -> str:
    joins = (
        "JOIN dim_customer AS c ON c.customer_id = i.customer_id\n"
        "        LEFT JOIN dim_loan AS l ON l.loan_id = i.loan_id"
        if loan_filters
        else ""
    )
    return f"""
    WITH working AS (
        SELECT date_key, sum(is_working_day::INTEGER) OVER (ORDER BY date_key) AS ordinal
        FROM dim_date
    ),
    staff AS (
        SELECT st.staff_id, st.staff_name, st.org_id
        FROM dim_staff AS st
        JOIN bridge_org_subtree AS b ON b.org_id = st.org_id AND b.ancestor_org_id = $scope_org_id
        WHERE ($scope_manager_id IS NULL OR st.staff_id = $scope_manager_id)
    ),
    issue AS (
        SELECT i.*, s.staff_name, s.org_id, wr.ordinal - wi.ordinal AS report_working_days
        FROM fct_inspection AS i
        JOIN staff AS s ON s.staff_id = i.staff_id
        LEFT JOIN working AS wi ON wi.date_key = i.inspection_date
        LEFT JOIN working AS wr ON wr.date_key = i.report_date
        {joins}
        WHERE i.inspection_date > $start AND i.inspection_date <= $end
          AND (i.report_date IS NULL OR i.reviewer_id IS NULL
               OR wr.ordinal - wi.ordinal > $report_due_working_days)
          {_LOAN_FILTERS if loan_filters else ""}
        ORDER BY i.inspection_date DESC, i.inspection_id
        LIMIT $limit
    )
    SELECT i.inspection_id, i.inspection_date, i.inspection_type, i.method, i.customer_id,
           c.customer_name, i.loan_id, i.staff_id, i.staff_name, i.org_id, g.org_name,
           i.report_date, i.report_working_days, i.reviewer_id,
           i.report_date IS NULL AS without_report,
           coalesce(i.report_working_days > $report_due_working_days, FALSE) AS late_report,
           i.reviewer_id IS NULL AS without_reviewer
    FROM issue AS i
    JOIN dim_customer AS c ON c.customer_id = i.customer_id
    LEFT JOIN dim_org AS g ON g.org_id = i.org_id
    ORDER BY i.inspection_date DESC, i.inspection_id
    """


_REPORT_ISSUES = {loan_filters: _report_issues_sql(loan_filters) for loan_filters in (True, False)}

# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    """Obligations due in (start, end] with due date ≤ as-of (METRICS.md §5)."""

    due: int
    on_time: int
    late: int
    overdue: int
    on_time_rate: float | None  # on_time / due
    completion_rate: float | None  # (on_time + late) / due
    average_days_late: float | None  # over the late ones
    overdue_backlog: int  # all obligations of the scope open past due at the as-of date
    oldest_days_overdue: int | None  # … the oldest of them


@dataclass(frozen=True)
class ReportQuality:
    """Inspections dated in (start, end] (METRICS.md §5 报告质量)."""

    inspections: int
    good: int  # report within report_due_working_days working days, and a reviewer
    share_good: float | None
    without_report: int
    late_report: int  # filed after report_due_working_days working days
    without_reviewer: int


# -- API ---------------------------------------------------------------------------------------


def _source(
    con: duckdb.DuckDBPyConnection, rules: InspectionRules, table: str, facts: str
) -> tuple[str, dict[str, object]]:
    """The table's SQL when fct_obligation holds these rules, else the derivation and its params."""
    if built_rules(con) == rules_key(rules):
        return table, {}
    return facts, rule_params(rules)


def _rows(
    con: duckdb.DuckDBPyConnection, scope: Scope, rules: InspectionRules
) -> tuple[str, dict[str, object]]:
    """The scoped obligation rows' SQL (status at $as_of, to be bound) and its parameters."""
    table = built_rules(con) == rules_key(rules)
    sql = _ROWS[table, scope.has_loan_filters]
    params = scope.params() if scope.has_loan_filters else _org_manager(scope)
    return sql, params if table else {**params, **rule_params(rules)}


def obligation_source(
    con: duckdb.DuckDBPyConnection, rules: InspectionRules
) -> tuple[str, dict[str, object]]:
    """SQL giving every obligation (fct_obligation's columns, unscoped, no status) and its
    parameters, for other metrics to build on: the table when built with ``rules``."""
    return _source(con, rules, "SELECT * FROM fct_obligation", DERIVE_OBLIGATIONS)


def obligations(
    con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, rules: InspectionRules
) -> pd.DataFrame:
    """Every obligation of the scope with its status at ``as_of`` (METRICS.md §5)."""
    sql, params = _rows(con, scope, rules)
    return con.execute(
        sql + " ORDER BY o.due_date, o.obligation_id", {**params, "as_of": as_of}
    ).df()


def obligations_due(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    rules: InspectionRules,
) -> pd.DataFrame:
    """The obligations of the scope due in (start, end], with their status at ``end``: those
    the period's on-time rate counts (METRICS.md §5); the columns of ``obligations``. The due
    dates reach SQL, where the table's order by due month lets the scan skip other months."""
    sql, params = _rows(con, scope, rules)
    return con.execute(
        f"{sql} AND o.due_date > $start AND o.due_date <= $as_of "
        "ORDER BY o.due_date, o.obligation_id",
        {**params, "start": start, "as_of": end},
    ).df()


def _is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _cells(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    as_of: date,
    rules: InspectionRules,
    by_due_month: bool = False,
) -> tuple[str, dict[str, object]]:
    """A ``WITH cells AS (…)`` prefix for the scope and dates, and its parameters; with
    ``by_due_month`` every cell keeps its due month (the backlog per due month)."""
    dates = {"start": start, "end": end, "as_of": as_of}
    if (
        not scope.has_loan_filters
        and all(_is_month_end(d) for d in (start, end, as_of))
        and built_rules(con) == rules_key(rules)
        and has_table(con, "agg_obligation_month")
    ):
        stored = not by_due_month and _backlog_stored(con, as_of)
        cells = _CELLS_WITH_STORED_BACKLOG if stored else _CELLS_FROM_AGGREGATE
        return f"WITH cells AS ({cells})", {**_org_manager(scope), **dates}
    rows, params = _rows(con, scope, rules)
    return f"WITH cells AS ({_cells_from_rows(rows)})", {**params, **dates}


def _backlog_stored(con: duckdb.DuckDBPyConnection, as_of: date) -> bool:
    """Does agg_obligation_backlog hold the month end ``as_of``? It holds every month end up
    to the book's horizon at its build, a month end before its first row having no backlog
    (a month end past its last row: computed from agg_obligation_month)."""
    if not has_table(con, "agg_obligation_backlog"):
        return False
    row = con.execute(
        "SELECT max(as_of_date) >= $as_of FROM agg_obligation_backlog", {"as_of": as_of}
    )
    return bool(row.fetchone()[0])


def _org_manager(scope: Scope) -> dict[str, object]:
    """The scope parameters the aggregates take (org subtree and manager)."""
    return {"scope_org_id": scope.org_id, "scope_manager_id": scope.manager_id}


def compliance(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    as_of: date,
    rules: InspectionRules,
) -> Compliance:
    """On-time and completion rates, overdue backlog and lateness (METRICS.md §5), for the
    obligations due in (start, end] by ``as_of``."""
    cells, params = _cells(con, scope, start, end, as_of, rules)
    row = con.execute(f"{cells} {_SUMMARY}", params).fetchone()
    assert row is not None
    due, on_time, late, overdue, on_time_rate, completion, avg_late, backlog, oldest = row
    return Compliance(
        due=due or 0,
        on_time=on_time or 0,
        late=late or 0,
        overdue=overdue or 0,
        on_time_rate=on_time_rate,
        completion_rate=completion,
        average_days_late=avg_late,
        overdue_backlog=backlog or 0,
        oldest_days_overdue=oldest,
    )


def compliance_by_org(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    as_of: date,
    rules: InspectionRules,
) -> pd.DataFrame:
    """§5 figures per direct child of the scope's org (over its subtree), then the scope org's
    own book (is_own_book), so the rows add up to the scope. Columns: org_id, org_name, level,
    is_own_book, then Compliance's fields."""
    return _grouped(con, _BY_ORG, scope, start, end, as_of, rules)


def compliance_by_manager(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    as_of: date,
    rules: InspectionRules,
) -> pd.DataFrame:
    """§5 figures per responsible account manager of the scope, best on-time rate first.
    Columns: manager_id, manager_name, manager_org_id, manager_org_name, then Compliance's
    fields; managers with nothing due and no backlog are left out."""
    return _grouped(con, _BY_MANAGER, scope, start, end, as_of, rules)


def compliance_trend(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    as_of: date,
    rules: InspectionRules,
) -> pd.DataFrame:
    """§5 figures per due month in (start, end], each month's obligations as they stand at
    ``as_of``. Columns: due_month, then Compliance's fields."""
    cells, params = _cells(con, scope, start, end, as_of, rules, by_due_month=True)
    return con.execute(f"{cells} {_BY_MONTH}", params).df()


def compliance_by_kind(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    as_of: date,
    rules: InspectionRules,
) -> pd.DataFrame:
    """§5 figures per obligation kind. Columns: kind, then Compliance's fields."""
    return _grouped(con, _BY_KIND, scope, start, end, as_of, rules)


def _grouped(
    con: duckdb.DuckDBPyConnection,
    grouping: str,
    scope: Scope,
    start: date,
    end: date,
    as_of: date,
    rules: InspectionRules,
) -> pd.DataFrame:
    cells, params = _cells(con, scope, start, end, as_of, rules)
    return con.execute(f"{cells} {grouping}", params).df()


def overdue_backlog(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: date,
    rules: InspectionRules,
    limit: int | None = None,
) -> pd.DataFrame:
    """Obligations of the scope open past their due date at ``as_of`` (METRICS.md §5 overdue),
    the most overdue first: obligation_id, kind, customer_id, customer_name, loan_id,
    trigger_date, due_date, status, days_overdue, manager_id, manager_name, org_id, org_name."""
    rows, params = _rows(con, scope, rules)
    return con.execute(_BACKLOG.format(rows=rows), {**params, "as_of": as_of, "limit": limit}).df()


def due_soon(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: date,
    days: int,
    rules: InspectionRules,
    limit: int | None = None,
) -> pd.DataFrame:
    """Open obligations known at ``as_of`` that fall due in the next ``days`` days, soonest
    first; the columns of overdue_backlog."""
    rows, params = _rows(con, scope, rules)
    params = {**params, "as_of": as_of, "days": days, "limit": limit}
    return con.execute(_DUE_SOON.format(rows=rows), params).df()


def _report_cells(
    con: duckdb.DuckDBPyConnection, scope: Scope, start: date, end: date, rules: InspectionRules
) -> tuple[str, dict[str, object]]:
    """A ``WITH cells AS (…)`` prefix of inspection counts and its parameters: the aggregate
    for month-end dates without loan filters, else the inspections."""
    params = {
        "start": start,
        "end": end,
        "report_due_working_days": rules.report_due_working_days,
    }
    if (
        scope.has_loan_filters
        or not (_is_month_end(start) and _is_month_end(end))
        or not has_table(con, "agg_inspection_month")
    ):
        return f"WITH cells AS ({_REPORT_CELLS_FROM_ROWS})", {**scope.params(), **params}
    return f"WITH cells AS ({_REPORT_CELLS_FROM_AGGREGATE})", {**_org_manager(scope), **params}


def report_quality(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    rules: InspectionRules,
) -> ReportQuality:
    """Share of inspections dated in (start, end] with a report within
    ``report_due_working_days`` working days and a reviewer (METRICS.md §5 报告质量). An
    inspection belongs to its inspector's org and manager."""
    cells, params = _report_cells(con, scope, start, end, rules)
    row = con.execute(f"{cells} {_REPORT_SUMMARY}", params).fetchone()
    assert row is not None
    inspections, good, without_report, late_report, without_reviewer, share_good = row
    return ReportQuality(
        inspections=inspections or 0,
        good=good,
        share_good=share_good,
        without_report=without_report,
        late_report=late_report,
        without_reviewer=without_reviewer,
    )


def report_quality_by_manager(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    rules: InspectionRules,
) -> pd.DataFrame:
    """ReportQuality's fields per inspector, best share first: manager_id, manager_name,
    inspections, good, without_report, late_report, without_reviewer, share_good."""
    cells, params = _report_cells(con, scope, start, end, rules)
    return con.execute(f"{cells} {_REPORT_BY_MANAGER}", params).df()


def report_issues(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    rules: InspectionRules,
    limit: int | None = None,
) -> pd.DataFrame:
    """Inspections dated in (start, end] without a report, with a late report or without a
    reviewer, newest first, each problem as a flag column."""
    params = {
        **(scope.params() if scope.has_loan_filters else _org_manager(scope)),
        "start": start,
        "end": end,
        "report_due_working_days": rules.report_due_working_days,
        "limit": limit,
    }
    return con.execute(_REPORT_ISSUES[scope.has_loan_filters], params).df()
