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
from datetime import date

import duckdb
import pandas as pd

from daihou.settings import InspectionRules
from metrics.scope import Scope
from warehouse.aggregates.obligations import (
    DERIVE_OBLIGATIONS,
    built_rules,
    rule_params,
    rules_key,
)

# -- SQL ---------------------------------------------------------------------------------------

_STATUS = """
    CASE
        WHEN o.satisfied_date <= $as_of AND o.satisfied_date <= o.due_date THEN 'on_time'
        WHEN o.satisfied_date <= $as_of THEN 'late'
        WHEN o.due_date < $as_of THEN 'overdue'
        ELSE 'pending'
    END
"""


def _obligations_sql(source: str) -> str:
    """Obligations of ``source`` in the scope with status at $as_of."""
    return f"""
    SELECT
        o.obligation_id, o.kind, o.customer_id, o.loan_id, o.trigger_date, o.due_date,
        CASE WHEN o.satisfied_date <= $as_of THEN o.satisfied_date END AS satisfied_date,
        CASE WHEN o.satisfied_date <= $as_of THEN o.inspection_id END AS inspection_id,
        CASE WHEN o.satisfied_date <= $as_of THEN o.inspection_staff_id END
            AS inspection_staff_id,
        o.manager_id, o.org_id, o.basis_loan_id,
        {_STATUS} AS status,
        CASE WHEN o.satisfied_date <= $as_of AND o.satisfied_date > o.due_date
             THEN o.satisfied_date - o.due_date END AS days_late,
        CASE WHEN (o.satisfied_date IS NULL OR o.satisfied_date > $as_of) AND o.due_date < $as_of
             THEN $as_of - o.due_date END AS days_overdue
    FROM ({source}) AS o
    JOIN bridge_org_subtree AS b ON b.org_id = o.org_id AND b.ancestor_org_id = $scope_org_id
    JOIN dim_customer AS c ON c.customer_id = o.customer_id
    LEFT JOIN dim_loan AS l ON l.loan_id = o.basis_loan_id
    WHERE ($scope_product IS NULL OR l.product = $scope_product)
      AND ($scope_customer_type IS NULL OR c.customer_type = $scope_customer_type)
      AND ($scope_industry_code IS NULL OR c.industry_code = $scope_industry_code)
      AND ($scope_guarantee_type IS NULL OR l.guarantee_type = $scope_guarantee_type)
      AND ($scope_manager_id IS NULL OR o.manager_id = $scope_manager_id)
    """


_FROM_TABLE = _obligations_sql("SELECT * FROM fct_obligation")
_FROM_FACTS = _obligations_sql(DERIVE_OBLIGATIONS)


def _compliance_sql(obligations: str) -> str:
    return f"""
    WITH o AS ({obligations})
    SELECT
        count(*) FILTER (WHERE in_period) AS due,
        count(*) FILTER (WHERE in_period AND status = 'on_time') AS on_time,
        count(*) FILTER (WHERE in_period AND status = 'late') AS late,
        count(*) FILTER (WHERE in_period AND status = 'overdue') AS overdue,
        avg(days_late) FILTER (WHERE in_period) AS average_days_late,
        count(*) FILTER (WHERE status = 'overdue') AS overdue_backlog,
        max(days_overdue) AS oldest_days_overdue
    FROM (
        SELECT *, due_date > $start AND due_date <= $end AND due_date <= $as_of AS in_period
        FROM o
    )
    """


_COMPLIANCE_FROM_TABLE = _compliance_sql(_FROM_TABLE)
_COMPLIANCE_FROM_FACTS = _compliance_sql(_FROM_FACTS)

# Inspections dated in ($start, $end] by staff of the scope's orgs; working days from the
# inspection to the report by the working-day ordinal of dim_date.
_INSPECTIONS_IN_WINDOW = """
    WITH working AS (
        SELECT date_key, sum(is_working_day::INTEGER) OVER (ORDER BY date_key) AS ordinal
        FROM dim_date
    )
    SELECT
        i.inspection_id, i.customer_id, i.loan_id, i.staff_id, st.org_id, i.inspection_date,
        i.inspection_type, i.method, i.report_date, i.reviewer_id,
        wr.ordinal - wi.ordinal AS report_working_days,
        i.report_date IS NOT NULL AND wr.ordinal - wi.ordinal <= $report_due_working_days
            AND i.reviewer_id IS NOT NULL AS is_good
    FROM fct_inspection AS i
    JOIN dim_staff AS st ON st.staff_id = i.staff_id
    JOIN bridge_org_subtree AS b ON b.org_id = st.org_id AND b.ancestor_org_id = $scope_org_id
    JOIN dim_customer AS c ON c.customer_id = i.customer_id
    LEFT JOIN dim_loan AS l ON l.loan_id = i.loan_id
    LEFT JOIN working AS wi ON wi.date_key = i.inspection_date
    LEFT JOIN working AS wr ON wr.date_key = i.report_date
    WHERE i.inspection_date > $start AND i.inspection_date <= $end
      AND ($scope_product IS NULL OR l.product = $scope_product)
      AND ($scope_customer_type IS NULL OR c.customer_type = $scope_customer_type)
      AND ($scope_industry_code IS NULL OR c.industry_code = $scope_industry_code)
      AND ($scope_guarantee_type IS NULL OR l.guarantee_type = $scope_guarantee_type)
      AND ($scope_manager_id IS NULL OR i.staff_id = $scope_manager_id)
"""

_REPORT_QUALITY = f"""
    WITH i AS ({_INSPECTIONS_IN_WINDOW})
    SELECT count(*) AS inspections, count(*) FILTER (WHERE is_good) AS good
    FROM i
"""

_WITHOUT_REPORT = f"""
    WITH i AS ({_INSPECTIONS_IN_WINDOW})
    SELECT inspection_id, customer_id, loan_id, staff_id, org_id, inspection_date,
           inspection_type, method
    FROM i
    WHERE report_date IS NULL
    ORDER BY inspection_date, inspection_id
"""

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
    without_report: pd.DataFrame  # one row per inspection with no report


# -- API ---------------------------------------------------------------------------------------


def _source(
    con: duckdb.DuckDBPyConnection, rules: InspectionRules, table: str, facts: str
) -> tuple[str, dict[str, object]]:
    """The table's SQL when fct_obligation holds these rules, else the derivation and its params."""
    if built_rules(con) == rules_key(rules):
        return table, {}
    return facts, rule_params(rules)


def obligations(
    con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date, rules: InspectionRules
) -> pd.DataFrame:
    """Every obligation of the scope with its status at ``as_of`` (METRICS.md §5)."""
    sql, rule_values = _source(con, rules, _FROM_TABLE, _FROM_FACTS)
    params = {**scope.params(), "as_of": as_of, **rule_values}
    return con.execute(sql + " ORDER BY o.due_date, o.obligation_id", params).df()


def compliance(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    as_of: date,
    rules: InspectionRules,
) -> Compliance:
    """On-time and completion rates, overdue backlog and lateness (METRICS.md §5)."""
    sql, rule_values = _source(con, rules, _COMPLIANCE_FROM_TABLE, _COMPLIANCE_FROM_FACTS)
    params = {**scope.params(), "as_of": as_of, "start": start, "end": end, **rule_values}
    row = con.execute(sql, params).fetchone()
    assert row is not None
    due, on_time, late, overdue, avg_late, backlog, oldest = row
    return Compliance(
        due=due,
        on_time=on_time,
        late=late,
        overdue=overdue,
        on_time_rate=on_time / due if due else None,
        completion_rate=(on_time + late) / due if due else None,
        average_days_late=float(avg_late) if avg_late is not None else None,
        overdue_backlog=backlog,
        oldest_days_overdue=oldest,
    )


def report_quality(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: date,
    end: date,
    rules: InspectionRules,
) -> ReportQuality:
    """Share of inspections with a timely, reviewed report; those without one (METRICS.md §5)."""
    params = {
        **scope.params(),
        "start": start,
        "end": end,
        "report_due_working_days": rules.report_due_working_days,
    }
    row = con.execute(_REPORT_QUALITY, params).fetchone()
    assert row is not None
    inspections, good = row
    return ReportQuality(
        inspections=inspections,
        good=good,
        share_good=good / inspections if inspections else None,
        without_report=con.execute(_WITHOUT_REPORT, params).df(),
    )
