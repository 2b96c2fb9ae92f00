"""A new month delivered to a loaded warehouse gives the warehouse a load from scratch gives
(issue 8): the facts, every load-time table (aggregates, obligations, the watch list), and
the figures; and the load redoes only what the month reaches.

The small demo bank (Parquet) is split into its history up to November 2025 and December's
delivery as a bank's systems would send them (``daihou.generator.deliveries``): the history is
loaded, then December; another warehouse loads the whole extract at once.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from compare_tables import differing_tables

from daihou.generator import generate
from daihou.generator.deliveries import shorten_history, split_last_month
from daihou.settings import Settings
from etl.load import LoadSummary, load_extract
from metrics.figures import headline_figures
from metrics.scope import Scope
from warehouse.aggregates import obligations
from warehouse.connection import Warehouse

pytestmark = pytest.mark.slow


@dataclass
class Banks:
    incremental: Path
    scratch: Path
    month: LoadSummary  # the second load of the incremental warehouse
    history: Path  # the history delivery


@pytest.fixture(scope="module")
def banks(tmp_path_factory: pytest.TempPathFactory) -> Banks:
    root = tmp_path_factory.mktemp("incremental")
    extract = root / "extract"
    generate(extract, scale="small", seed=20251231, fmt="parquet")
    cut, last = split_last_month(extract, root / "history", root / "month")
    assert (cut, last) == (date(2025, 11, 30), date(2025, 12, 31))
    incremental = Settings(data_dir=root, warehouse=root / "incremental.duckdb")
    history = load_extract(root / "history", incremental)
    assert history.rows_rejected == 0 and history.months[-1] == cut
    month = load_extract(root / "month", incremental)
    scratch = Settings(data_dir=root, warehouse=root / "scratch.duckdb")
    assert load_extract(extract, scratch).rows_rejected == 0
    return Banks(incremental.warehouse_path, scratch.warehouse_path, month, root / "history")


def test_the_month_is_loaded_whole(banks: Banks) -> None:
    assert banks.month.rows_rejected == 0
    assert banks.month.months == [date(2025, 12, 31)]


def test_the_month_redoes_only_its_own_month(banks: Banks) -> None:
    # December's new loans, snapshots, resolved signals (some raised in 2022) and late
    # inspections all take effect in December: no earlier month end of the monthly tables, and
    # no earlier score period, is redone
    assert banks.month.rebuilt_from == (
        "loan months from 2025-12-31, watch list from 2025-12-31, score periods from 2025-12-31"
    )


def test_every_table_equals_a_load_from_scratch(banks: Banks) -> None:
    assert differing_tables(banks.incremental, banks.scratch) == {}


def test_figures_equal_a_load_from_scratch(banks: Banks) -> None:
    settings = Settings()
    with (
        Warehouse(banks.incremental).connect_read_only() as a,
        Warehouse(banks.scratch).connect_read_only() as b,
    ):
        for as_of in (date(2025, 11, 30), date(2025, 12, 31)):
            for org in ("HO", "BR01", "BR02-S01"):
                scope = Scope(org)
                assert headline_figures(a, scope, as_of, None, settings) == headline_figures(
                    b, scope, as_of, None, settings
                ), (org, as_of)


def test_loans_gone_from_the_month_are_derived_again(banks: Banks, tmp_path: Path) -> None:
    """A loan on the book at November's end that December's delivery leaves out is off the
    book from December 1st (the book's horizon moved on). Its customer has no row in the
    delivery, yet its obligations change (an appraisal falling due after that day is no longer
    owed): the month load derives them again, as a derivation from scratch would."""
    root = banks.incremental.parent
    month = tmp_path / "month"
    shutil.copytree(root / "month", month)
    snapshots = month / "loan_snapshots.parquet"
    gone = [
        row[0]
        for row in duckdb.execute(
            f"""
            SELECT s.loan_id
            FROM read_parquet('{root / "history" / "loan_snapshots.parquet"}') AS s
            JOIN read_parquet('{root / "history" / "loans.parquet"}') AS l USING (loan_id)
            WHERE s.as_of_date = DATE '2025-11-30' AND s.status = 'active'
              AND l.customer_id IN (SELECT customer_id
                                    FROM read_parquet('{root / "history" / "loans.parquet"}')
                                    GROUP BY ALL HAVING count(*) = 1)
              AND s.loan_id IN (SELECT loan_id FROM read_parquet(
                  '{root / "history" / "collateral.parquet"}'))
            ORDER BY s.loan_id LIMIT 20
            """
        ).fetchall()
    ]
    assert len(gone) == 20
    duckdb.execute(
        f"COPY (FROM read_parquet('{root / 'month' / 'loan_snapshots.parquet'}') "
        f"WHERE loan_id NOT IN (SELECT unnest($gone))) TO '{snapshots}' (FORMAT parquet)",
        {"gone": gone},
    )
    settings = Settings(data_dir=tmp_path, warehouse=tmp_path / "wh.duckdb")
    load_extract(root / "history", settings)
    before = _obligations(settings.warehouse_path, gone)
    load_extract(month, settings)
    after = _obligations(settings.warehouse_path, gone)
    assert before != after  # the horizon changed these customers' obligations

    scratch = tmp_path / "scratch.duckdb"
    shutil.copyfile(Warehouse(settings.warehouse_path).current_file(), scratch)
    with duckdb.connect(str(scratch)) as con:
        obligations.build(con, settings)
    assert _obligations(scratch, gone) == after
    assert differing_tables(settings.warehouse_path, scratch) == {}


def _obligations(warehouse: Path, loans: list[str]) -> list[tuple]:
    """The obligations of the customers of ``loans``, in a stable order."""
    with Warehouse(warehouse).connect_read_only() as con:
        return con.execute(
            "SELECT * FROM fct_obligation WHERE customer_id IN (SELECT customer_id FROM dim_loan "
            "WHERE loan_id IN (SELECT unnest($loans))) ORDER BY ALL",
            {"loans": loans},
        ).fetchall()


def test_a_shorter_history_keeps_what_was_in_force(banks: Banks, tmp_path: Path) -> None:
    """The benchmark's shorter history (the same month onto fewer months): the dated facts from
    its first month on, the signals still open then and each item's latest appraisal before
    it; every loan; and it loads without a rejected row."""
    first = "2024-12-01"
    shorten_history(banks.history, tmp_path / "short", date.fromisoformat(first))

    def one(sql: str) -> object:
        return duckdb.execute(sql).fetchone()[0]

    def old(entity: str) -> str:
        return f"'{banks.history / entity}.parquet'"

    def new(entity: str) -> str:
        return f"'{tmp_path / 'short' / entity}.parquet'"

    assert one(f"SELECT min(as_of_date) FROM {new('loan_snapshots')}") == date(2024, 12, 31)
    assert one(f"SELECT count(*) FROM {new('loans')}") == one(
        f"SELECT count(*) FROM {old('loans')}"
    )
    assert one(f"SELECT count(*) FROM {new('inspections')} WHERE inspection_date < '{first}'") == 0
    assert (
        one(f"SELECT count(*) FROM {new('collection_actions')} WHERE action_date < '{first}'") == 0
    )
    open_then = f"signal_date < '{first}' AND (resolved_date IS NULL OR resolved_date >= '{first}')"
    kept = one(f"SELECT count(*) FROM {new('warning_signals')} WHERE signal_date < '{first}'")
    assert kept == one(f"SELECT count(*) FROM {old('warning_signals')} WHERE {open_then}") > 0
    latest = one(
        f"""SELECT count(*) FROM (
            SELECT collateral_id, max(appraisal_date) FROM {old("collateral")}
            WHERE appraisal_date < '{first}' GROUP BY ALL
            EXCEPT ALL
            SELECT collateral_id, appraisal_date FROM {new("collateral")}
            WHERE appraisal_date < '{first}')"""
    )
    earlier = one(
        f"SELECT count(*) - count(DISTINCT collateral_id) FROM {new('collateral')} "
        f"WHERE appraisal_date < '{first}'"
    )
    assert (latest, earlier) == (0, 0)
    settings = Settings(data_dir=tmp_path, warehouse=tmp_path / "short.duckdb")
    assert load_extract(tmp_path / "short", settings).rows_rejected == 0
