"""Month batches (warehouse.aggregates.batches): the grouping by hand, and the loan-month
tables built one month end per statement equal those built in one statement."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from fixtures_demo import DemoBank

from warehouse.aggregates import asset_quality, transitions
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


BATCHED_TABLES = (
    "agg_loan_month",
    "agg_class_manager_month",
    "agg_class_month",
    "agg_bucket_manager_transition",
    "agg_bucket_transition",
    "agg_vintage_manager_delinquency",
    "agg_vintage_delinquency",
)


def test_a_month_per_statement_equals_one_statement(
    demo_bank: DemoBank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    current = Warehouse(demo_bank.settings.warehouse_path).current_file()
    assert current is not None
    path = tmp_path / "wh.duckdb"
    shutil.copyfile(current, path)
    with duckdb.connect(str(path)) as con:
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
            differ = con.execute(
                f"SELECT (SELECT count(*) FROM (FROM {table} EXCEPT ALL FROM loaded_{table})) "
                f"+ (SELECT count(*) FROM (FROM loaded_{table} EXCEPT ALL FROM {table}))"
            ).fetchone()[0]
            assert differ == 0, table
