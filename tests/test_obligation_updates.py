"""A new month's obligations continued from the month end before it (issue 8: a monthly load
in proportion to the month), by hand, through the real ETL: each rule of
``warehouse.aggregates.obligation_updates`` on a customer of its own, and the warehouse equal to
one loaded from scratch.

History: month ends June, July and August 2025 (the horizon H = 2025-08-31); the month:
September's snapshots and what happened in it. Default rules: unrated routine every 60 days,
first 7 days, fund flow 7 working days, special 3 days, collateral 365 days. Every loan is
individual, entrusted, active and E1's (LD E2's from August); each customer has one loan.

    A  LA 2025-06-02; routine IRA1 2025-07-05. No inspection in September: the run from
       07-05 goes on, its trigger 09-03 (07-05 + 60) falls in September.
    B  as A, and routine IRB2 2025-09-10: it satisfies the run's first obligation (due 09-03,
       late); 09-03's obligation (due 11-02, after 09-10) never arises; a run from 09-10.
    C  new in September: LC disbursed 2025-09-05 (a Friday).
    D  LD 2025-06-02, dpd 0 to August, 45 at September's end: arrears from 2025-08-17, a special
       obligation due 08-20, before H, held by July's manager E1 (the latest snapshot by then).
       That reads the snapshots before H, so D is derived whole.
    E  LE 2024-09-01; item KE appraised 2024-10-01 (revaluation due 2025-10-01), again
       2025-09-15 in September: the new appraisal satisfies the old obligation and owes the next.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from compare_tables import differing_tables
from extract_builder import write_extract
from test_obligations import _appraisal, _customer, _inspection, _loan, _snapshot, _staff

from daihou.settings import Settings
from etl.load import load_extract
from warehouse.aggregates import obligation_updates
from warehouse.aggregates.obligations import LISTED
from warehouse.connection import Warehouse

HISTORY_ENDS = [date(2025, 6, 30), date(2025, 7, 31), date(2025, 8, 31)]
SEPTEMBER = date(2025, 9, 30)
OLD_LOANS = {"LA": "A", "LB": "B", "LD": "D", "LE": "E"}
D_DPD = {SEPTEMBER: 45}

REFERENCE = {
    "org_units": [
        {"org_id": "HO", "org_name": "总行", "level": "head_office", "parent_org_id": ""},
        {"org_id": "SB1", "org_name": "一支行", "level": "sub_branch", "parent_org_id": "HO"},
    ],
    "staff": [_staff("E1", "SB1"), _staff("E2", "SB1")],
}


def _appraisal_of(loan: str, item: str, day: str) -> dict[str, str]:
    return _appraisal(item, day) | {"loan_id": loan}


def _snapshots(ends: list[date], loans: dict[str, str]) -> list[dict[str, str]]:
    """E1's loans at every month end, but LD's from August on E2's."""
    return [
        _snapshot(m, lid, "E2" if lid == "LD" and m.month >= 8 else "E1", D_DPD.get(m, 0))
        if lid == "LD"
        else _snapshot(m, lid, "E1", 0)
        for m in ends
        for lid in loans
    ]


HISTORY = REFERENCE | {
    "customers": [_customer(c, "individual", "unrated", "") for c in "ABDE"],
    "loans": [
        _loan("LA", "A", "SB1", "2025-06-02", "entrusted"),
        _loan("LB", "B", "SB1", "2025-06-02", "entrusted"),
        _loan("LD", "D", "SB1", "2025-06-02", "entrusted"),
        _loan("LE", "E", "SB1", "2024-09-01", "entrusted"),
    ],
    "loan_snapshots": _snapshots(HISTORY_ENDS, OLD_LOANS),
    "inspections": [
        _inspection("IRA1", "A", "LA", "E1", "2025-07-05", "routine"),
        _inspection("IRB1", "B", "LB", "E1", "2025-07-05", "routine"),
    ],
    "collateral": [_appraisal_of("LE", "KE", "2024-10-01")],
}
MONTH = REFERENCE | {
    "customers": [_customer("C", "individual", "unrated", "")],
    "loans": [_loan("LC", "C", "SB1", "2025-09-05", "entrusted")],
    "loan_snapshots": _snapshots([SEPTEMBER], OLD_LOANS | {"LC": "C"}),
    "inspections": [_inspection("IRB2", "B", "LB", "E1", "2025-09-10", "routine")],
    "collateral": [_appraisal_of("LE", "KE", "2025-09-15")],
}


@pytest.fixture(scope="module")
def banks(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, list[set[str]]]:
    """The history then the month loaded into one warehouse, both at once into another; and
    the customers each whole derivation of the month's load was given."""
    root = tmp_path_factory.mktemp("obligation_updates")
    today = date(2025, 10, 15)
    monthly = Settings(data_dir=root, warehouse=root / "monthly.duckdb")
    assert (
        load_extract(write_extract(root / "history", HISTORY), monthly, today=today).rows_rejected
        == 0
    )

    whole: list[set[str]] = []
    derive_whole = obligation_updates._derive_whole

    def spy(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
        whole.append({c for (c,) in con.execute(f"SELECT customer_id FROM {LISTED}").fetchall()})
        derive_whole(con, settings)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(obligation_updates, "_derive_whole", spy)
        assert (
            load_extract(write_extract(root / "month", MONTH), monthly, today=today).rows_rejected
            == 0
        )

    both = {e: HISTORY.get(e, []) + MONTH.get(e, []) for e in HISTORY | MONTH}
    both |= REFERENCE
    scratch = Settings(data_dir=root, warehouse=root / "scratch.duckdb")
    assert load_extract(write_extract(root / "both", both), scratch, today=today).rows_rejected == 0
    return monthly.warehouse_path, scratch.warehouse_path, whole


def _row(warehouse: Path, obligation_id: str, also: str = "") -> tuple | None:
    """(trigger, due, satisfied, inspection, *also) of an obligation; None when not owed."""
    with Warehouse(warehouse).connect_read_only() as con:
        return con.execute(
            "SELECT trigger_date, due_date, satisfied_date, inspection_id"
            f"{also} FROM fct_obligation WHERE obligation_id = $id",
            {"id": obligation_id},
        ).fetchone()


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_only_the_back_dated_customer_is_derived_whole(banks: tuple[Path, Path, list]) -> None:
    _, _, whole = banks
    # first the customers a changed row before the horizon lists (none), then those that gain
    # an obligation due before it
    assert whole == [set(), {"D"}]


def test_a_run_goes_on_into_the_month(banks: tuple[Path, Path, list]) -> None:
    monthly, _, _ = banks
    assert _row(monthly, "routine:A:2025-07-05") == (d("2025-07-05"), d("2025-09-03"), None, None)
    assert _row(monthly, "routine:A:2025-09-03") == (d("2025-09-03"), d("2025-11-02"), None, None)


def test_a_new_inspection_ends_the_run(banks: tuple[Path, Path, list]) -> None:
    monthly, _, _ = banks
    assert _row(monthly, "routine:B:2025-07-05") == (
        d("2025-07-05"),
        d("2025-09-03"),
        d("2025-09-10"),
        "IRB2",
    )
    assert _row(monthly, "routine:B:2025-09-03") is None
    assert _row(monthly, "routine:B:2025-09-10") == (d("2025-09-10"), d("2025-11-09"), None, None)


def test_a_new_customer_starts_its_chain(banks: tuple[Path, Path, list]) -> None:
    monthly, _, _ = banks
    assert _row(monthly, "first:LC") == (d("2025-09-05"), d("2025-09-12"), None, None)
    # 7 working days after Friday 2025-09-05: 8, 9, 10, 11, 12, 15, 16 September
    assert _row(monthly, "fund_flow:LC") == (d("2025-09-05"), d("2025-09-16"), None, None)
    assert _row(monthly, "routine:C:2025-09-05") == (d("2025-09-05"), d("2025-11-04"), None, None)


def test_arrears_dated_back_before_the_horizon(banks: tuple[Path, Path, list]) -> None:
    monthly, _, _ = banks
    # 45 days past due at 09-30: in arrears since 09-30 - 45 + 1 = 08-17, due 3 days later
    assert _row(monthly, "special:overdue:LD:2025-09-30", ", manager_id") == (
        d("2025-08-17"),
        d("2025-08-20"),
        None,
        None,
        "E1",
    )


def test_a_new_appraisal_closes_the_previous_window(banks: tuple[Path, Path, list]) -> None:
    monthly, _, _ = banks
    assert _row(monthly, "collateral:KE:2024-10-01") == (
        d("2024-10-01"),
        d("2025-10-01"),
        d("2025-09-15"),
        None,
    )
    assert _row(monthly, "collateral:KE:2025-09-15") == (
        d("2025-09-15"),
        d("2026-09-15"),
        None,
        None,
    )


def test_the_warehouse_equals_one_loaded_from_scratch(banks: tuple[Path, Path, list]) -> None:
    monthly, scratch, _ = banks
    assert differing_tables(monthly, scratch) == {}
