"""Loading the demo extract: nothing lost, idempotent, a re-delivered month replaces only itself."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from fixtures_demo import DemoBank

from daihou.settings import Settings
from etl.load import TARGETS, load_extract
from warehouse.connection import Warehouse


def extract_rows(extract: Path) -> dict[str, int]:
    """Data rows per entity file, counted by DuckDB's own CSV reader (independent of etl/)."""
    con = duckdb.connect()
    return {
        f.stem: con.execute(f"SELECT count(*) FROM read_csv('{f}', all_varchar = true)").fetchone()[
            0
        ]
        for f in sorted(extract.glob("*.csv"))
    }


def table_stats(settings: Settings) -> dict[str, tuple]:
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        return {
            table: con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {table}").fetchone()
            for table, _ in TARGETS.values()
        }


def test_demo_load_loses_nothing(demo_bank: DemoBank) -> None:
    expected = extract_rows(demo_bank.extract)
    assert set(expected) == set(TARGETS)  # the generator writes every entity
    assert demo_bank.summary.rows_rejected == 0
    loaded = {e.entity: e.rows_loaded for e in demo_bank.summary.entities}
    assert loaded == expected
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        for entity, (table, _) in TARGETS.items():
            if entity in ("customers", "customer_ratings"):
                continue  # both feed dim_customer_rating; checked below
            n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert n == expected[entity], entity
        assert (
            con.execute("SELECT count(*) FROM dim_customer").fetchone()[0] == expected["customers"]
        )
        assert (
            con.execute("SELECT count(DISTINCT as_of_date) FROM fct_loan_snapshot").fetchone()[0]
            == 36
        )


@pytest.mark.slow
def test_demo_reload_and_month_redelivery(demo_bank: DemoBank, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, warehouse=tmp_path / "wh.duckdb")
    load_extract(demo_bank.extract, settings)
    first = table_stats(settings)
    load_extract(demo_bank.extract, settings)
    assert table_stats(settings) == first  # no count and no sum changed

    # re-deliver 2025-06 with every balance of active loans raised by 1 yuan; the other
    # required entities come as header-only files (nothing else is corrected)
    month = tmp_path / "month"
    month.mkdir()
    for name in ("org_units", "staff", "customers", "loans", "inspections"):
        header = (demo_bank.extract / f"{name}.csv").open(encoding="utf-8").readline()
        (month / f"{name}.csv").write_text(header, encoding="utf-8")
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE (CASE WHEN status = 'active' THEN balance + 1 ELSE balance END "
        f"AS balance) FROM read_csv('{demo_bank.extract / 'loan_snapshots.csv'}', "
        f"types = {{'balance': 'DECIMAL(18,2)'}}) WHERE as_of_date = DATE '2025-06-30') "
        f"TO '{month / 'loan_snapshots.csv'}' (HEADER)"
    )
    with Warehouse(settings.warehouse_path).connect_read_only() as wh:
        before = dict(
            wh.execute(
                "SELECT as_of_date, sum(balance) FROM fct_loan_snapshot GROUP BY 1"
            ).fetchall()
        )
        active = wh.execute(
            "SELECT count(*) FROM fct_loan_snapshot "
            "WHERE as_of_date = DATE '2025-06-30' AND status = 'active'"
        ).fetchone()[0]
    summary = load_extract(month, settings)
    assert summary.rows_rejected == 0 and [m.isoformat() for m in summary.months] == ["2025-06-30"]
    with Warehouse(settings.warehouse_path).connect_read_only() as wh:
        after = dict(
            wh.execute(
                "SELECT as_of_date, sum(balance) FROM fct_loan_snapshot GROUP BY 1"
            ).fetchall()
        )
    changed = {m for m in before if before[m] != after[m]}
    assert changed == {m for m in before if m.isoformat() == "2025-06-30"}
    june = next(iter(changed))
    assert after[june] - before[june] == active  # one yuan per active loan, nothing else
