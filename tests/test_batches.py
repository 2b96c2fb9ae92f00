"""Load-time tables built in pieces equal those built in one statement: the loan-month tables
a range of month ends at a time (warehouse.aggregates.batches, its grouping by hand too), the
obligations a range of customers at a time."""

from __future__ import annotations

import itertools
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from fixtures_demo import DemoBank

from warehouse.aggregates import asset_quality, obligations, transitions
from warehouse.aggregates.batches import BATCH_ROWS, consecutive, snapshot_months
from warehouse.connection import Warehouse


def test_consecutive_months_up_to_the_budget() -> None:
    months = [("jan", 4), ("feb", 5), ("mar", 2), ("apr", 12), ("may", 1), ("jun", 9)]
    # 4+5 = 9 ≤ 10, +2 > 10; 2 then 12 > 10 alone; 1+9 = 10 ≤ 10
    assert [[m for m, _ in g] for g in consecutive(months, 10)] == [
        ["jan", "feb"],
        ["mar"],
        ["apr"],
        ["may", "jun"],
    ]
    assert consecutive([], 10) == []


def _differing_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of ``table`` and of its copy ``loaded_<table>`` not in the other (EXCEPT ALL)."""
    return con.execute(
        f"SELECT (SELECT count(*) FROM (FROM {table} EXCEPT ALL FROM loaded_{table})) "
        f"+ (SELECT count(*) FROM (FROM loaded_{table} EXCEPT ALL FROM {table}))"
    ).fetchone()[0]


BATCHED_TABLES = (
    "agg_loan_month",
    "agg_class_manager_month",
    "agg_class_month",
    "agg_bucket_manager_transition",
    "agg_bucket_transition",
    "agg_vintage_manager_delinquency",
    "agg_vintage_delinquency",
)


@pytest.fixture
def copy(demo_bank: DemoBank, tmp_path: Path) -> Path:
    """A writable copy of the demo bank's warehouse (never the session fixture's own file)."""
    current = Warehouse(demo_bank.settings.warehouse_path).current_file()
    assert current is not None
    path = tmp_path / "wh.duckdb"
    shutil.copyfile(current, path)
    return path


def test_a_month_per_statement_equals_one_statement(
    demo_bank: DemoBank, copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with duckdb.connect(str(copy)) as con:
        assert len(snapshot_months(con, date.min, BATCH_ROWS)) == 1  # the demo bank: one
        for table in BATCHED_TABLES:
            con.execute(f"CREATE TABLE loaded_{table} AS FROM {table}")
        sql = "SELECT count(DISTINCT as_of_date) FROM fct_loan_snapshot"
        months = con.execute(sql).fetchone()[0]
        assert len(snapshot_months(con, date.min, 1)) == months == 36
        for module in (transitions, asset_quality):  # every month end alone
            monkeypatch.setattr(module, "BATCH_ROWS", 1)
            module.build(con, demo_bank.settings)
        for table in BATCHED_TABLES:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
            assert _differing_rows(con, table) == 0, table


def test_obligations_by_customer_part_equal_one_statement(
    demo_bank: DemoBank, copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Derived in parts (ranges of customers), fct_obligation and its monthly counts equal the
    one-statement derivation; the parts are stored one after the other, each by due month, then
    customer."""
    tables = ("fct_obligation", "agg_obligation_month", "agg_inspection_month")
    with duckdb.connect(str(copy)) as con:
        assert len(obligations.customer_parts(con)) == 1  # the demo bank: one statement
        for table in tables:
            con.execute(f"CREATE TABLE loaded_{table} AS FROM {table}")
        snapshots = con.execute("SELECT count(*) FROM fct_loan_snapshot").fetchone()[0]
        monkeypatch.setattr(obligations, "_PART_SNAPSHOTS", -(-snapshots // 3))  # a third
        parts = obligations.customer_parts(con)
        assert len(parts) == 3
        assert parts[0][0] == "" and all(a[1] == b[0] for a, b in itertools.pairwise(parts))
        obligations.build(con, demo_bank.settings)
        for table in tables:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
            assert _differing_rows(con, table) == 0, table
        rows = con.execute(
            "SELECT customer_id, last_day(due_date) FROM fct_obligation ORDER BY rowid"
        ).fetchall()
    part = [next(i for i, (a, b) in enumerate(parts) if a <= c < b) for c, _ in rows]
    assert part == sorted(part)
    keys = [(p, month, customer) for p, (customer, month) in zip(part, rows, strict=True)]
    assert keys == sorted(keys)
