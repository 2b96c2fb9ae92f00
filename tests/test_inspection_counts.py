"""A monthly load counts the inspections (agg_inspection_month, METRICS.md §5 报告质量) again
from the month of the earliest inspection it changes, or the earliest done by an inspector who
moved org; by hand, through the real ETL, and equal to a load from scratch.

History: June to August 2025, inspections by E1 (SB1) in June and July, by E2 (SB1) in July.
    delivery 1 (September): July's IJ2 re-sent with its report filed 2025-07-10 and reviewed
        (it had none), a new inspection IS1 on 2025-09-10; nothing changes E2.
    delivery 2 (October): E2 moves to SB2 (E2's July inspection now counts under SB2), a new
        inspection IO1 on 2025-10-12.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from compare_tables import differing_tables
from extract_builder import write_extract
from test_obligations import _customer, _inspection, _loan, _snapshot, _staff

from daihou.settings import Settings
from etl.load import load_extract
from etl.targets import TARGETS
from warehouse.aggregates import obligations
from warehouse.connection import Warehouse

ORGS = [
    {"org_id": "HO", "org_name": "总行", "level": "head_office", "parent_org_id": ""},
    {"org_id": "SB1", "org_name": "一支行", "level": "sub_branch", "parent_org_id": "HO"},
    {"org_id": "SB2", "org_name": "二支行", "level": "sub_branch", "parent_org_id": "HO"},
]
STAFF = [_staff("E1", "SB1"), _staff("E2", "SB1")]
MOVED = [_staff("E1", "SB1"), _staff("E2", "SB2")]
CUSTOMERS = [_customer("A", "individual", "unrated", "")]
LOANS = [_loan("LA", "A", "SB1", "2025-06-02", "entrusted")]
ENDS = [date(2025, 6, 30), date(2025, 7, 31), date(2025, 8, 31)]
IJ2 = ("IJ2", "A", "LA", "E1", "2025-07-08", "routine")

# what every delivery holds besides the staff and its month's facts
REFERENCE = {"org_units": ORGS, "customers": CUSTOMERS, "loans": LOANS}

HISTORY = REFERENCE | {
    "staff": STAFF,
    "loan_snapshots": [_snapshot(m, "LA", "E1", 0) for m in ENDS],
    "inspections": [
        _inspection("IJ1", "A", "LA", "E1", "2025-06-05", "first"),
        _inspection(*IJ2),
        _inspection("IJ3", "A", "LA", "E2", "2025-07-20", "special"),
    ],
}
SEPTEMBER = REFERENCE | {
    "staff": STAFF,
    "loan_snapshots": [_snapshot(date(2025, 9, 30), "LA", "E1", 0)],
    "inspections": [
        _inspection(*IJ2, report="2025-07-10", reviewer="E2"),
        _inspection("IS1", "A", "LA", "E1", "2025-09-10", "routine"),
    ],
}
OCTOBER = REFERENCE | {
    "staff": MOVED,
    "loan_snapshots": [_snapshot(date(2025, 10, 31), "LA", "E1", 0)],
    "inspections": [_inspection("IO1", "A", "LA", "E1", "2025-10-12", "routine")],
}
TODAY = date(2025, 11, 15)


def _load(root: Path, name: str, data: dict, settings: Settings) -> None:
    assert load_extract(write_extract(root / name, data), settings, today=TODAY).rows_rejected == 0


def _scratch(root: Path, name: str, deliveries: list[dict]) -> Path:
    """The deliveries' rows delivered at once (the later version of a row wins)."""
    both: dict[str, list[dict[str, str]]] = {}
    for delivery in deliveries:
        for entity, rows in delivery.items():
            key = TARGETS[entity][1]
            keep = {tuple(r[k] for k in key): r for r in both.get(entity, []) + rows}
            both[entity] = list(keep.values())
    settings = Settings(data_dir=root, warehouse=root / f"{name}.duckdb")
    _load(root, name, both, settings)
    return settings.warehouse_path


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The history, then September, then October into one warehouse, copied after each
    delivery, with the date each recount started from; and the loads from scratch."""
    root = tmp_path_factory.mktemp("inspection_counts")
    monthly = Settings(data_dir=root, warehouse=root / "monthly.duckdb")
    _load(root, "history", HISTORY, monthly)
    recounted: list[date] = []
    recount = obligations.recount_inspections

    def spy(con: duckdb.DuckDBPyConnection, since: date) -> None:
        recounted.append(since)
        recount(con, since)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(obligations, "recount_inspections", spy)
        for name, delivery in (("september", SEPTEMBER), ("october", OCTOBER)):
            _load(root, name, delivery, monthly)
            shutil.copyfile(
                Warehouse(monthly.warehouse_path).current_file(), root / f"after_{name}.duckdb"
            )
    return {
        "recounted": recounted,
        "september": root / "after_september.duckdb",
        "october": root / "after_october.duckdb",
        "scratch_september": _scratch(root, "scratch_september", [HISTORY, SEPTEMBER]),
        "scratch_october": _scratch(root, "scratch_october", [HISTORY, SEPTEMBER, OCTOBER]),
    }


def _cells(warehouse: Path) -> list[tuple]:
    with Warehouse(warehouse).connect_read_only() as con:
        return con.execute(
            "SELECT org_id, staff_id, month, report_working_days, reviewed, inspections "
            "FROM agg_inspection_month ORDER BY ALL"
        ).fetchall()


def test_recounts_start_at_the_earliest_changed_inspection(loads: dict) -> None:
    # September: IJ2 (July) is the earliest changed inspection; October: E2, who moved, did
    # IJ3 in July (and IO1, October, is new)
    assert loads["recounted"] == [date(2025, 7, 31), date(2025, 7, 31)]


def test_the_counts_after_each_delivery(loads: dict) -> None:
    june, july, sept = date(2025, 6, 30), date(2025, 7, 31), date(2025, 9, 30)
    # IJ2's report 2025-07-08 (Tue) -> 07-10 (Thu): two working days, reviewed
    assert _cells(loads["september"]) == [
        ("SB1", "E1", june, None, False, 1),
        ("SB1", "E1", july, 2, True, 1),
        ("SB1", "E1", sept, None, False, 1),
        ("SB1", "E2", july, None, False, 1),
    ]
    assert _cells(loads["october"]) == [
        ("SB1", "E1", june, None, False, 1),
        ("SB1", "E1", july, 2, True, 1),
        ("SB1", "E1", sept, None, False, 1),
        ("SB1", "E1", date(2025, 10, 31), None, False, 1),
        ("SB2", "E2", july, None, False, 1),
    ]


@pytest.mark.parametrize("after", ["september", "october"])
def test_each_delivery_equals_a_load_from_scratch(loads: dict, after: str) -> None:
    assert differing_tables(loads[after], loads[f"scratch_{after}"]) == {}
