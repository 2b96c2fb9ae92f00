"""The demo bank as two deliveries: the history up to the previous month end and the last
month's, as a bank's systems would have sent them (the incremental-load test and benchmark).

History (as known at the cut-off C, the second-to-last month end): every row dated on or
before C; later facts about those rows are left out (a staff member's leave, a signal's
resolution, an inspection's report, a repayment paid after C), and a customer rated after C
keeps their latest earlier rating. Month delivery: the rows dated after C (the last month's
snapshots, inspections, signals, appraisals, collection actions, new loans and staff) plus
the re-delivered rows whose later facts history left out; the reference files the contract
requires in every delivery (org units, staff) in full. Written as Parquet with DuckDB. The
extract may be Parquet or CSV (read with the contract's column types, so that an id such as
``0001`` stays text and amounts stay exact).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb

from etl.contract import ENTITIES, ColType

# entity -> (the date that places a row in a month, or None: reference data sent in full)
EVENT_DATE: dict[str, str | None] = {
    "org_units": None,
    "staff": "hire_date",
    "customers": None,
    "customer_ratings": "rating_date",
    "loans": "disbursement_date",
    "loan_snapshots": "as_of_date",
    "inspections": "inspection_date",
    "warning_signals": "signal_date",
    "collateral": "appraisal_date",
    "collection_actions": "action_date",
    "repayments": None,  # the schedule is known at disbursement; see REPAYMENTS
}

# DuckDB types of the contract's column types, for reading a CSV extract typed.
SQL_TYPES: dict[ColType, str] = {
    ColType.TEXT: "VARCHAR",
    ColType.CODE: "VARCHAR",
    ColType.DATE: "DATE",
    ColType.AMOUNT: "DECIMAL(18, 2)",
    ColType.INTEGER: "INTEGER",
    ColType.NUMBER: "DECIMAL(9, 2)",
    ColType.BOOLEAN: "BOOLEAN",
}

# Facts that name a loan: they belong to the delivery that brings the loan, at the earliest.
LOAN_FACTS = ("inspections", "warning_signals", "collateral", "collection_actions")

# History's view of rows whose later facts happened after the cut-off: the row as it stood.
AS_KNOWN = {
    "staff": "* REPLACE (CASE WHEN leave_date > $cut THEN NULL ELSE leave_date END AS leave_date)",
    "inspections": (
        "* REPLACE (CASE WHEN report_date > $cut THEN NULL ELSE report_date END AS report_date)"
    ),
    "warning_signals": (
        "* REPLACE (CASE WHEN resolved_date > $cut THEN NULL ELSE resolved_date END "
        "AS resolved_date, CASE WHEN resolved_date > $cut THEN 'handling' ELSE status END "
        "AS status)"
    ),
}
# ... and the condition under which the month re-delivers such a row.
CHANGED_AFTER = {
    "staff": "leave_date > $cut",
    "inspections": "report_date > $cut",
    "warning_signals": "resolved_date > $cut",
}


def reader(extract: Path, entity: str) -> str | None:
    """SQL reading the entity's file of the extract (Parquet, or CSV typed by the contract),
    None when the extract has no such file."""
    parquet, csv = extract / f"{entity}.parquet", extract / f"{entity}.csv"
    if parquet.exists():
        return f"read_parquet('{parquet}')"
    if csv.exists():
        types = ", ".join(f"'{c.name}': '{SQL_TYPES[c.type]}'" for c in ENTITIES[entity].columns)
        return f"read_csv('{csv}', header = true, types = {{{types}}})"
    return None


def split_last_month(extract: Path, history: Path, month: Path) -> tuple[date, date]:
    """Write the two deliveries of a Parquet extract; return (cut-off C, last month end M)."""
    manifest = json.loads((extract / "manifest.json").read_text())
    ends = [date.fromisoformat(d) for d in manifest["month_ends"]]
    cut, last = ends[-2], ends[-1]
    for out in (history, month):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
    con = duckdb.connect()
    p = {"cut": cut}

    def src(entity: str) -> str:
        sql = reader(extract, entity)
        assert sql is not None, f"{extract} has no {entity} file"
        return sql

    def copy(sql: str, out: Path, entity: str) -> None:
        params = p if "$cut" in sql else None
        con.execute(f"COPY ({sql}) TO '{out / entity}.parquet' (FORMAT parquet)", params)

    for entity, when in EVENT_DATE.items():
        if reader(extract, entity) is None:
            continue
        cols = AS_KNOWN.get(entity, "*")
        if entity == "customers":  # a customer rated after C keeps the rating in force at C
            copy(
                f"""
                SELECT c.* REPLACE (
                    CASE WHEN c.rating_date > $cut THEN coalesce(r.credit_rating, c.credit_rating)
                         ELSE c.credit_rating END AS credit_rating,
                    CASE WHEN c.rating_date > $cut THEN r.rating_date ELSE c.rating_date END
                         AS rating_date)
                FROM {src(entity)} AS c
                LEFT JOIN (
                    SELECT customer_id, arg_max(credit_rating, rating_date) AS credit_rating,
                           max(rating_date) AS rating_date
                    FROM {src("customer_ratings")} WHERE rating_date <= $cut GROUP BY ALL
                ) AS r USING (customer_id)
                """,
                history,
                entity,
            )
            copy(f"SELECT * FROM {src(entity)} WHERE rating_date > $cut", month, entity)
        elif entity == "repayments":  # paid after C: unpaid as known at C
            copy(
                f"""
                SELECT r.* REPLACE (
                    CASE WHEN r.paid_date > $cut THEN NULL ELSE r.paid_date END AS paid_date,
                    CASE WHEN r.paid_date > $cut THEN 0 ELSE r.principal_paid END
                        AS principal_paid,
                    CASE WHEN r.paid_date > $cut THEN 0 ELSE r.interest_paid END
                        AS interest_paid)
                FROM {src(entity)} AS r
                SEMI JOIN {src("loans")} AS l
                  ON l.loan_id = r.loan_id AND l.disbursement_date <= $cut
                """,
                history,
                entity,
            )
            copy(
                f"""
                SELECT r.* FROM {src(entity)} AS r
                JOIN {src("loans")} AS l ON l.loan_id = r.loan_id
                WHERE l.disbursement_date > $cut OR r.paid_date > $cut
                """,
                month,
                entity,
            )
        elif when is None:
            copy(f"SELECT * FROM {src(entity)}", history, entity)
            copy(f"SELECT * FROM {src(entity)}", month, entity)
        else:
            # a row about a loan disbursed after C (an appraisal before disbursement) waits for it
            later_loan = f"SELECT loan_id FROM {src('loans')} WHERE disbursement_date > $cut"
            late = f" OR coalesce(loan_id IN ({later_loan}), false)" if entity in LOAN_FACTS else ""
            keep = f"{when} <= $cut AND NOT ({when} > $cut{late})"
            copy(f"SELECT {cols} FROM {src(entity)} WHERE {keep}", history, entity)
            again = f" OR ({CHANGED_AFTER[entity]})" if entity in CHANGED_AFTER else ""
            copy(f"SELECT * FROM {src(entity)} WHERE {when} > $cut{late}{again}", month, entity)
    return cut, last


# What a history that starts at $first keeps of the dated facts before it: what was still in
# force then (an open signal, each item's latest appraisal); the rest, reference data and
# loans, is kept whole.
SHORT_HISTORY = {
    "customer_ratings": "WHERE rating_date >= $first",
    "loan_snapshots": "WHERE as_of_date >= $first",
    "inspections": "WHERE inspection_date >= $first",
    "warning_signals": (
        "WHERE signal_date >= $first OR resolved_date IS NULL OR resolved_date >= $first"
    ),
    "collateral": (
        "QUALIFY appraisal_date >= $first OR appraisal_date = max(appraisal_date) "
        "FILTER (WHERE appraisal_date < $first) OVER (PARTITION BY collateral_id)"
    ),
    "collection_actions": "WHERE action_date >= $first",
}


def shorten_history(history: Path, out: Path, first: date) -> None:
    """Write ``history`` (a delivery split_last_month wrote) as a bank whose warehouse starts
    at ``first`` would have it: the same bank and the same month to come, with fewer months
    behind it (the benchmark loading one month onto histories of two lengths)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    con = duckdb.connect()
    for path in sorted(history.glob("*.parquet")):
        keep = SHORT_HISTORY.get(path.stem, "")
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{path}') {keep}) TO '{out / path.name}' "
            "(FORMAT parquet)",
            {"first": first} if keep else None,
        )
