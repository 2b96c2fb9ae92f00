"""A new month delivered to a loaded warehouse gives the warehouse a load from scratch gives
(issue 8): the facts, every load-time table (aggregates, obligations, the watch list), and
the figures; and the load redoes only what the month reaches.

The small demo bank (Parquet) is split into its history up to November 2025 and December's
delivery as a bank's systems would send them (``daihou.generator.deliveries``): the history is
loaded, then December; another warehouse loads the whole extract at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from compare_tables import differing_tables

from daihou.generator import generate
from daihou.generator.deliveries import split_last_month
from daihou.settings import Settings
from etl.load import LoadSummary, load_extract
from metrics.figures import headline_figures
from metrics.scope import Scope
from warehouse.connection import Warehouse

pytestmark = pytest.mark.slow


@dataclass
class Banks:
    incremental: Path
    scratch: Path
    month: LoadSummary  # the second load of the incremental warehouse


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
    return Banks(incremental.warehouse_path, scratch.warehouse_path, month)


def test_the_month_is_loaded_whole(banks: Banks) -> None:
    assert banks.month.rows_rejected == 0
    assert banks.month.months == [date(2025, 12, 31)]


def test_the_month_redoes_only_its_own_month(banks: Banks) -> None:
    # December's new loans, snapshots, resolved signals and late inspections all take effect
    # in December: no earlier month end of the monthly tables is redone
    assert banks.month.rebuilt_from == "loan months from 2025-12-31, watch list from 2025-12-31"


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
