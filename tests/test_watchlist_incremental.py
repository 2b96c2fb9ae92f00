"""warehouse.aggregates.watchlist.build(since=…): rebuilding the month ends from ``since`` on
gives the table a full build gives, on a copy of the demo bank's warehouse (never the session
fixture's own file)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from fixtures_demo import DemoBank

from daihou.settings import Settings, WatchlistRules
from warehouse.aggregates import watchlist as agg
from warehouse.connection import Warehouse


@pytest.fixture
def con(demo_bank: DemoBank, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable copy of the demo bank's warehouse."""
    current = Warehouse(demo_bank.settings.warehouse_path).current_file()
    assert current is not None
    copy = tmp_path / "wh.duckdb"
    shutil.copyfile(current, copy)
    connection = duckdb.connect(str(copy))
    yield connection
    connection.close()


def _month_ends(con: duckdb.DuckDBPyConnection) -> list[date]:
    rows = con.execute("SELECT DISTINCT as_of_date FROM agg_loan_month ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def _differences(
    con: duckdb.DuckDBPyConnection, expected: str, table: str = "agg_watchlist_month"
) -> tuple[int, int]:
    """Rows of ``table`` not in ``expected`` and the reverse (EXCEPT ALL)."""
    extra = con.execute(
        f"SELECT count(*) FROM (SELECT * FROM {table} EXCEPT ALL SELECT * FROM {expected})"
    ).fetchone()[0]
    missing = con.execute(
        f"SELECT count(*) FROM (SELECT * FROM {expected} EXCEPT ALL SELECT * FROM {table})"
    ).fetchone()[0]
    return extra, missing


def _full_build(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """A full build kept as table full_build; its row count."""
    agg.build(con, settings)
    con.execute("CREATE OR REPLACE TABLE full_build AS SELECT * FROM agg_watchlist_month")
    con.execute("CREATE OR REPLACE TABLE full_bank AS SELECT * FROM agg_watchlist_bank_month")
    return con.execute("SELECT count(*) FROM full_build").fetchone()[0]


@pytest.mark.parametrize("chunk", ["default", "month", "two_months", "parts"])
@pytest.mark.parametrize("last_months", [1, 5])
def test_rebuild_since_equals_full_build(
    con: duckdb.DuckDBPyConnection,
    demo_bank: DemoBank,
    monkeypatch: pytest.MonkeyPatch,
    chunk: str,
    last_months: int,
) -> None:
    settings = demo_bank.settings
    monthly = con.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM agg_loan_month GROUP BY as_of_date)"
    ).fetchone()[0]
    rows = {"default": agg._CHUNK_ROWS, "month": monthly, "two_months": 2 * monthly}
    # "parts": every month end in three or four statements, by customer
    monkeypatch.setattr(agg, "_CHUNK_ROWS", rows.get(chunk, monthly // 3))
    monkeypatch.setattr(agg, "_BANK_ROWS", rows.get(chunk, monthly // 3))
    con.execute("CREATE TABLE loaded AS SELECT * FROM agg_watchlist_month")  # default chunks
    assert _full_build(con, settings) > 0
    assert _differences(con, "loaded") == (0, 0)
    months = _month_ends(con)
    since = months[-last_months]
    # more months than the downgrade window: their inputs reach back before since
    assert len(months) > last_months + settings.watchlist.downgrade_window_months
    con.execute("DELETE FROM agg_watchlist_month WHERE as_of_date >= $since", {"since": since})
    agg.build(con, settings, since=since)
    assert _differences(con, "full_build") == (0, 0)
    assert _differences(con, "full_bank", "agg_watchlist_bank_month") == (0, 0)


def test_bank_rows_combine_each_customers_rows(con: duckdb.DuckDBPyConnection) -> None:
    """One whole-bank row per month end and customer of agg_watchlist_month, with its loans
    and balance summed and its worst dpd, red signals and oldest due date carried over."""
    by_customer = """
        SELECT as_of_date, customer_id, sum(loan_count), sum(balance), max(worst_dpd),
               max(red_signal_count), min(oldest_due_date)
        FROM agg_watchlist_month GROUP BY ALL
    """
    bank = """
        SELECT as_of_date, customer_id, loan_count, balance, worst_dpd, red_signal_count,
               oldest_due_date
        FROM agg_watchlist_bank_month
    """
    assert con.execute("SELECT count(*) FROM agg_watchlist_bank_month").fetchone()[0] > 1000
    for one, other in ((by_customer, bank), (bank, by_customer)):
        assert con.execute(f"SELECT count(*) FROM ({one} EXCEPT ALL {other})").fetchone()[0] == 0


def test_rebuild_since_keeps_earlier_months(
    con: duckdb.DuckDBPyConnection, demo_bank: DemoBank
) -> None:
    """Only the month ends from since on are recomputed: a mark left on an earlier month stays,
    and a stale later month is replaced."""
    settings = demo_bank.settings
    _full_build(con, settings)
    months = _month_ends(con)
    since, earlier = months[-2], months[-3]
    con.execute(
        "UPDATE agg_watchlist_month SET worst_dpd = -1 WHERE as_of_date = $earlier",
        {"earlier": earlier},
    )
    con.execute(
        "UPDATE agg_watchlist_month SET worst_dpd = -2 WHERE as_of_date >= $since",
        {"since": since},
    )
    agg.build(con, settings, since=since)
    marks = dict(
        con.execute(
            "SELECT as_of_date, count(*) FROM agg_watchlist_month WHERE worst_dpd < 0 GROUP BY 1"
        ).fetchall()
    )
    assert set(marks) == {earlier}
    assert (
        marks[earlier]
        == con.execute(
            "SELECT count(*) FROM full_build WHERE as_of_date = $earlier", {"earlier": earlier}
        ).fetchone()[0]
    )
    extra, missing = _differences(con, "full_build")
    assert extra == missing == marks[earlier]  # the marked rows alone differ


def test_other_rules_or_no_table_mean_a_full_build(
    con: duckdb.DuckDBPyConnection, demo_bank: DemoBank
) -> None:
    months = _month_ends(con)
    since = months[-1]
    other = demo_bank.settings.model_copy(
        update={"watchlist": WatchlistRules(downgrade_window_months=5)}
    )
    _full_build(con, other)
    agg.build(con, demo_bank.settings)  # rules recorded: the default window
    assert _differences(con, "full_build") != (0, 0)
    agg.build(con, other, since=since)  # other rules: a full build whatever since says
    assert agg.built_key(con) == agg.rules_key(
        other.watchlist, other.asset_quality, other.inspection
    )
    assert _differences(con, "full_build") == (0, 0)
    con.execute("DROP TABLE agg_watchlist_month")
    agg.build(con, other, since=since)
    assert _differences(con, "full_build") == (0, 0)
