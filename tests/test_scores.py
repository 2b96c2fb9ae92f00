"""METRICS.md §7: account-manager and org performance scores, on a hand-written bank loaded
through the real ETL (expected figures worked out from the definition below), and on the demo
bank (planted diligent managers score above planted lax ones).

The bank: month ends 2025-01-31 … 2025-07-31; the period is 2025Q2 = (03-31, 06-30], month ends
Apr, May, Jun. Every customer is an individual rated AAA since 2024-01-01 (routine every 180
days, any method); loans disbursed 2024-12-01 owe their first routine visit on 2025-05-30, loans
disbursed 2024-06-01 were visited in Nov 2024 and owe the next one 180 days later. First and
fund-flow visits and the overdue episodes of loans past due since January all fell due in 2024.

    loan  customer  org  manager (Apr May Jun)  balance at 03-31 → 06-30, class, dpd
    A1    C1        SB1  E1 E1 E1               4,900,000 → 4,900,000 normal
    A2    C2        SB1  E1 E1 E1               100,000 normal → substandard (dpd 20 at Apr)
    H1    C3        SB1  E1 E2 E2  (handover)   300,000 normal → substandard (dpd 25 at May)
    R1    C4        SB1  E1 E1 E1               200,000 → 185,000 substandard, dpd > 90
    R2    C4        SB1  E1 E1 E1               100,000 → 70,000 special mention, dpd > 90
    B1    C6        SB1  E2 E2 E2               700,000 normal
    R4    C6        SB1  E2 E1 E1  (handover)   90,000 → 81,000 substandard, dpd > 90
    R3    C7        SB2  E3 E3 —                400,000 → 380,000 at Apr, written off in May
    D1    C8        SB2  E3 E3 E3               2,000,000 normal
    X1    C9        SB2  E4 E4 —                50,000 normal, settled in May
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from compare_tables import differing_tables
from extract_builder import write_extract
from fixtures_demo import DemoBank
from pydantic import ValidationError

from daihou.settings import ScoreRules, Settings
from etl.load import load_extract
from metrics import obligations as ob
from metrics.periods import parse_period, periods_with_data
from metrics.scope import Scope
from metrics.scores import (
    COMPONENTS,
    ITEM_COMPONENTS,
    component_items,
    manager_scores,
    org_scores,
    score_columns,
)
from warehouse.aggregates.scores import built_rules as stored_rules
from warehouse.connection import Warehouse

MONTH_ENDS = [
    date(2025, 1, 31),
    date(2025, 2, 28),
    date(2025, 3, 31),
    date(2025, 4, 30),
    date(2025, 5, 31),
    date(2025, 6, 30),
    date(2025, 7, 31),
]
Q2 = parse_period("2025Q2")
TODAY = date(2026, 1, 15)
SETTINGS = Settings()


def _staff(sid: str, org: str, role: str = "account_manager") -> dict[str, str]:
    return {
        "staff_id": sid,
        "staff_name": f"员工{sid}",
        "org_id": org,
        "role": role,
        "hire_date": "2020-01-01",
        "leave_date": "",
    }


def _customer(cid: str) -> dict[str, str]:
    return {
        "customer_id": cid,
        "customer_name": f"客户{cid}",
        "customer_type": "individual",
        "id_number": f"43010219800101{cid[-1]}234",
        "industry_code": "",
        "region": "长沙",
        "credit_rating": "AAA",
        "rating_date": "2024-01-01",
    }


def _loan(lid: str, cid: str, org: str, disbursed: str, amount: str) -> dict[str, str]:
    return {
        "loan_id": lid,
        "customer_id": cid,
        "org_id": org,
        "product": "personal_business",
        "contract_amount": amount,
        "disbursement_date": disbursed,
        "maturity_date": "2027-12-31",
        "interest_rate": "5.0",
        "guarantee_type": "credit",
        "payment_mode": "entrusted",
        "purpose": "",
    }


# per loan: (month end index, manager, balance, class, dpd, status) for Jan … Jul
N, SM, SS, LOSS = "normal", "special_mention", "substandard", "loss"


def _rows(
    lid: str, managers: str, balances: list[int], classes: list[str], dpds: list[int]
) -> list[dict[str, str]]:
    """Snapshots from January: managers as one letter-digit pair per month ('E1E1…')."""
    who = [managers[i : i + 2] for i in range(0, len(managers), 2)]
    return [
        {
            "as_of_date": MONTH_ENDS[i].isoformat(),
            "loan_id": lid,
            "manager_id": who[i],
            "balance": str(balances[i]),
            "classification": classes[i],
            "days_past_due": str(dpds[i]),
            "overdue_principal": "1000" if dpds[i] and balances[i] else "0",
            "interest_arrears": "0",
            "status": "active",
        }
        for i in range(len(balances))
    ]


def _leaving(lid: str, month: int, manager: str, status: str, cls: str, dpd: int) -> dict:
    return {
        "as_of_date": MONTH_ENDS[month].isoformat(),
        "loan_id": lid,
        "manager_id": manager,
        "balance": "0",
        "classification": cls,
        "days_past_due": str(dpd),
        "overdue_principal": "0",
        "interest_arrears": "0",
        "status": status,
    }


def _late(start: int) -> list[int]:
    """Days past due growing by a month each month end from ``start`` in January."""
    return [start + d for d in (0, 28, 59, 89, 120, 150, 181)]


SNAPSHOTS = [
    *_rows("A1", "E1" * 7, [4_900_000] * 7, [N] * 7, [0] * 7),
    *_rows("A2", "E1" * 7, [100_000] * 7, [N, N, N, SM, SS, SS, SS], [0, 0, 0, 20, 51, 81, 112]),
    *_rows(
        "H1",
        "E1E1E1E1E2E2E2",
        [300_000] * 7,
        [N, N, N, N, SM, SS, SS],
        [0, 0, 0, 0, 25, 55, 86],
    ),
    *_rows(
        "R1",
        "E1" * 7,
        [200_000, 200_000, 200_000, 190_000, 190_000, 185_000, 185_000],
        [SS] * 7,
        _late(100),
    ),
    *_rows(
        "R2",
        "E1" * 7,
        [100_000, 100_000, 100_000, 90_000, 80_000, 70_000, 70_000],
        [SM] * 7,
        _late(95),
    ),
    *_rows("B1", "E2" * 7, [700_000] * 7, [N] * 7, [0] * 7),
    *_rows(
        "R4",
        "E2E2E2E2E1E1E1",
        [90_000, 90_000, 90_000, 90_000, 81_000, 81_000, 81_000],
        [SS] * 7,
        _late(100),
    ),
    *_rows("R3", "E3" * 4, [400_000, 400_000, 400_000, 380_000], [SS] * 4, _late(100)[:4]),
    _leaving("R3", 4, "E3", "written_off", LOSS, 220),
    *_rows("D1", "E3" * 7, [2_000_000] * 7, [N] * 7, [0] * 7),
    *_rows("X1", "E4" * 4, [50_000] * 4, [N] * 4, [0] * 4),
    _leaving("X1", 4, "E4", "settled", N, 0),
]


def _inspection(
    iid: str, cid: str, staff: str, day: str, kind: str, report: str = "", reviewer: str = ""
) -> dict[str, str]:
    return {
        "inspection_id": iid,
        "customer_id": cid,
        "loan_id": "",
        "staff_id": staff,
        "inspection_date": day,
        "inspection_type": kind,
        "method": "onsite",
        "report_date": report,
        "risk_found": "false",
        "findings": "",
        "reviewer_id": reviewer,
    }


def _signal(sid: str, cid: str, day: str, severity: str, status: str, resolved: str = "") -> dict:
    return {
        "signal_id": sid,
        "customer_id": cid,
        "loan_id": "",
        "signal_date": day,
        "signal_type": "other",
        "severity": severity,
        "source": "manual",
        "status": status,
        "resolved_date": resolved,
        "handler_id": "",
    }


def _action(aid: str, lid: str, staff: str, day: str, amount: str) -> dict[str, str]:
    return {
        "action_id": aid,
        "loan_id": lid,
        "staff_id": staff,
        "action_date": day,
        "channel": "phone",
        "outcome": "paid" if amount != "0" else "promise_to_pay",
        "amount_recovered": amount,
    }


TABLES: dict[str, list[dict[str, str]]] = {
    "org_units": [
        {"org_id": "HO", "org_name": "总行", "level": "head_office", "parent_org_id": ""},
        {"org_id": "SB1", "org_name": "一支行", "level": "sub_branch", "parent_org_id": "HO"},
        {"org_id": "SB2", "org_name": "二支行", "level": "sub_branch", "parent_org_id": "HO"},
    ],
    "staff": [
        _staff("E1", "SB1"),
        _staff("E2", "SB1"),
        _staff("E3", "SB2"),
        _staff("E4", "SB2"),
        _staff("E9", "HO", "branch_head"),
    ],
    "customers": [_customer(c) for c in ("C1", "C2", "C3", "C4", "C6", "C7", "C8", "C9")],
    "loans": [
        _loan("A1", "C1", "SB1", "2024-12-01", "5000000"),
        _loan("A2", "C2", "SB1", "2024-12-01", "100000"),
        _loan("H1", "C3", "SB1", "2024-12-01", "300000"),
        _loan("R1", "C4", "SB1", "2024-06-01", "200000"),
        _loan("R2", "C4", "SB1", "2024-06-01", "100000"),
        _loan("B1", "C6", "SB1", "2024-12-01", "700000"),
        _loan("R4", "C6", "SB1", "2024-06-01", "90000"),
        _loan("R3", "C7", "SB2", "2024-06-01", "400000"),
        _loan("D1", "C8", "SB2", "2024-12-01", "2000000"),
        _loan("X1", "C9", "SB2", "2024-12-01", "50000"),
    ],
    "loan_snapshots": SNAPSHOTS,
    "inspections": [
        # before the period: the routine visits that set C4, C6 and C7's next due dates
        _inspection("P4", "C4", "E1", "2024-11-20", "routine"),
        _inspection("P6", "C6", "E2", "2024-11-25", "routine"),
        _inspection("P7", "C7", "E3", "2024-11-25", "routine"),
        # in the period
        _inspection("IC1", "C1", "E1", "2025-05-20", "routine", "2025-05-22", "E9"),
        _inspection("IS2", "C2", "E1", "2025-04-13", "special"),
        _inspection("IS3", "C3", "E1", "2025-05-09", "special", "2025-05-12", "E9"),
        _inspection("IR6", "C6", "E2", "2025-05-22", "routine", "2025-05-23"),
        _inspection("IS4", "C3", "E2", "2025-06-04", "special", "2025-06-05", "E9"),
        _inspection("IR8", "C8", "E3", "2025-05-28", "routine", "2025-05-29", "E9"),
    ],
    "warning_signals": [
        _signal("W1", "C1", "2025-04-10", "yellow", "resolved", "2025-04-25"),
        _signal("W2", "C2", "2025-05-05", "orange", "resolved", "2025-06-20"),
        _signal("W3", "C2", "2025-06-20", "orange", "open"),
        _signal("W4", "C4", "2025-06-15", "yellow", "resolved", "2025-06-25"),
        _signal("W5", "C1", "2025-03-20", "yellow", "resolved", "2025-03-25"),
        _signal("W6", "C1", "2025-06-10", "orange", "resolved", "2025-07-05"),
        _signal("W7", "C3", "2025-06-02", "red", "resolved", "2025-06-20"),
        _signal("W8", "C2", "2025-04-20", "orange", "handling"),
    ],
    "collection_actions": [
        _action("K0", "R1", "E1", "2025-03-15", "7000"),  # before the period
        _action("K1", "R1", "E1", "2025-04-15", "10000"),
        _action("K2", "R1", "E1", "2025-06-10", "5000"),
        _action("K3", "R1", "E1", "2025-07-05", "3000"),  # after it
        _action("K4", "R2", "E1", "2025-05-10", "0"),  # a promise: no recorded recovery
        _action("K5", "R4", "E1", "2025-05-15", "9000"),
    ],
}


def _load_bank(root: Path, tables: dict[str, list[dict[str, str]]]) -> Settings:
    """Load ``tables`` into the warehouse under ``root`` (again, if there is one)."""
    settings = Settings(data_dir=root, warehouse=root / "wh.duckdb")
    summary = load_extract(write_extract(root / "extract", tables), settings, today=TODAY)
    assert summary.rows_rejected == 0, summary.to_json()
    return settings


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _load_bank(tmp_path_factory.mktemp("score_bank"), TABLES)


@pytest.fixture(scope="module")
def con(bank: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(bank.warehouse_path).connect_read_only()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def managers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return manager_scores(con, Scope("HO"), Q2, SETTINGS)


def _by(frame: pd.DataFrame, key: str) -> dict[str, pd.Series]:
    return {row[key]: row for _, row in frame.iterrows()}


def _component(row: pd.Series, c: str) -> tuple[float, float, float, float]:
    return (row[f"{c}_numerator"], row[f"{c}_denominator"], row[f"{c}_raw"], row[f"{c}_score"])


def _assert_component(
    row: pd.Series, c: str, numerator: float, denominator: float, score: float
) -> None:
    got = _component(row, c)
    assert got[:2] == pytest.approx((numerator, denominator)), (row.iloc[0], c)
    assert got[2] == pytest.approx(numerator / denominator), (row.iloc[0], c)
    assert got[3] == score, (row.iloc[0], c, got)


def _assert_no_data(row: pd.Series, c: str) -> None:
    assert row[f"{c}_denominator"] == 0
    assert pd.isna(row[f"{c}_raw"]) and pd.isna(row[f"{c}_score"])
    assert row[f"{c}_weight"] == 0


def test_obligations_due_in_the_period_are_those_worked_out(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The §5 obligations behind timeliness, by responsible manager (status at 06-30)."""
    rows = ob.obligations(con, Scope("HO"), Q2.end, SETTINGS.inspection)
    due = rows[(rows.due_date.dt.date > Q2.start) & (rows.due_date.dt.date <= Q2.end)]
    got = {(r.obligation_id, r.manager_id, r.status) for r in due.itertuples()}
    assert got == {
        # routine due 2024-12-01 + 180 = 05-30; IC1 05-20
        ("routine:C1:2024-12-01", "E1", "on_time"),
        # the special visit IS2 (04-13) is C2's first allowed one after 12-01: on time
        ("routine:C2:2024-12-01", "E1", "on_time"),
        # A2 past due at 04-30 (dpd 20): first overdue day 04-11, due 04-14; IS2 04-13
        ("special:overdue:A2:2025-04-30", "E1", "on_time"),
        # C3 routine due 05-30 and H1's episode (05-31 − 25 + 1 = 05-07, due 05-10) go to the
        # manager at the latest month end on or before the due date, 04-30: E1 (IS3 05-09) ...
        ("routine:C3:2024-12-01", "E1", "on_time"),
        ("special:overdue:H1:2025-05-31", "E1", "on_time"),
        # ... while the red signal W7 (06-02, due 06-05; IS4 06-04) goes to E2, the manager at
        # 05-31: the handover moves the obligations by due date
        ("special:signal:W7", "E2", "on_time"),
        # C4: visited 2024-11-20, next due 2025-05-19, never done
        ("routine:C4:2024-11-20", "E1", "overdue"),
        # C6: visited 2024-11-25, next due 05-24; IR6 05-22. B1 is C6's largest loan: E2
        ("routine:C6:2024-11-25", "E2", "on_time"),
        # C7 (written off 05-31, on the book until then): due 05-24, never done
        ("routine:C7:2024-11-25", "E3", "overdue"),
        ("routine:C8:2024-12-01", "E3", "on_time"),  # IR8 05-28
        ("routine:C9:2024-12-01", "E4", "overdue"),  # X1 settled 05-31
    }


def test_timeliness(managers: pd.DataFrame) -> None:
    rows = _by(managers, "manager_id")
    _assert_component(rows["E1"], "timeliness", 5, 6, 83.33)  # 83.333…
    _assert_component(rows["E2"], "timeliness", 2, 2, 100.0)
    _assert_component(rows["E3"], "timeliness", 1, 2, 50.0)
    _assert_component(rows["E4"], "timeliness", 0, 1, 0.0)
    assert [rows[m].obligations for m in ("E1", "E2", "E3", "E4")] == [6, 2, 2, 1]


def test_report_quality(managers: pd.DataFrame) -> None:
    rows = _by(managers, "manager_id")
    # E1: IC1 (Tue 05-20 → Thu 05-22, 2 working days, reviewed) and IS3 (Fri 05-09 → Mon
    # 05-12, 1 working day, reviewed) are good; IS2 has no report
    _assert_component(rows["E1"], "report_quality", 2, 3, 66.67)
    # E2: IR6 has no reviewer; IS4 is good
    _assert_component(rows["E2"], "report_quality", 1, 2, 50.0)
    _assert_component(rows["E3"], "report_quality", 1, 1, 100.0)
    _assert_no_data(rows["E4"], "report_quality")


def test_asset_quality(managers: pd.DataFrame) -> None:
    rows = _by(managers, "manager_id")
    # E1 at 06-30: A1 4.9M normal, A2 100k, R1 185k and R4 81k substandard, R2 70k special
    # mention: NPL 366,000 / 5,336,000 = 6.859%; 100 × (10% − 6.859%) / (10% − 2%) = 39.26
    _assert_component(rows["E1"], "asset_quality", 366_000, 5_336_000, 39.26)
    # E2: H1 300k substandard, B1 700k normal: 30%, beyond the cap
    _assert_component(rows["E2"], "asset_quality", 300_000, 1_000_000, 0.0)
    # E3: D1 only (R3 written off): 0%, at or below the target
    _assert_component(rows["E3"], "asset_quality", 0, 2_000_000, 100.0)
    _assert_no_data(rows["E4"], "asset_quality")
    assert [rows[m].loans for m in ("E1", "E2", "E3", "E4")] == [5, 2, 1, 0]


def test_migration_splits_a_handed_over_loan_by_months(managers: pd.DataFrame) -> None:
    rows = _by(managers, "manager_id")
    # Cohorts at 03-31 (normal, special mention) on the book at 06-30. H1 (300k, substandard
    # at 06-30) was E1's at Apr and E2's at May and Jun: E1 holds 1/3, E2 2/3.
    # E1: A2 100k + H1 100k migrated / A1 4.9M + A2 100k + H1 100k + R2 70k = 200k / 5.17M
    # = 3.868%; 100 × (1 − 3.868% / 5%) = 22.63
    _assert_component(rows["E1"], "migration", 200_000, 5_170_000, 22.63)
    # E2: H1 200k / (200k + B1 700k) = 22.2%: 0
    _assert_component(rows["E2"], "migration", 200_000, 900_000, 0.0)
    _assert_component(rows["E3"], "migration", 0, 2_000_000, 100.0)
    # X1 settled: it adds nothing to either side
    _assert_no_data(rows["E4"], "migration")


def test_recovery(managers: pd.DataFrame) -> None:
    rows = _by(managers, "manager_id")
    # NPL or dpd > 90 at 03-31: R1 200k (recorded 10k + 5k in the period; the actions of 03-15
    # and 07-05 are outside it), R2 100k (only a promise: the fall 100k → 70k = 30k), R4 90k
    # (recorded 9k), E2's at Apr and E1's at May and Jun: E1 2/3, E2 1/3.
    # E1: 15k + 30k + 6k = 51k / 200k + 100k + 60k = 360k = 14.17%; / 20% × 100 = 70.83
    _assert_component(rows["E1"], "recovery", 51_000, 360_000, 70.83)
    # E2: 3k / 30k = 10%: 50
    _assert_component(rows["E2"], "recovery", 3_000, 30_000, 50.0)
    # E3: R3 400k, 380k at Apr, written off in May: the write-off recovers nothing, the fall to
    # the last month end on the book does: 20k / 400k = 5%: 25
    _assert_component(rows["E3"], "recovery", 20_000, 400_000, 25.0)


def test_warning_handling(managers: pd.DataFrame) -> None:
    rows = _by(managers, "manager_id")
    # E1 (C1, C2, C4): W1 resolved in 15 days, W4 in 10: in time; W2 in 46 days and W8 still
    # handling 30 days on: not; W3 (06-20, open) and W6 (06-10, resolved 07-05, after the
    # period) have windows that end after 06-30: left out; W5 is before the period
    _assert_component(rows["E1"], "warning_handling", 2, 4, 50.0)
    # E2: W7 on C3, raised 06-02, held by H1's manager at 05-31; resolved in 18 days
    _assert_component(rows["E2"], "warning_handling", 1, 1, 100.0)
    _assert_no_data(rows["E3"], "warning_handling")


def test_weighted_totals_and_order(managers: pd.DataFrame) -> None:
    rows = _by(managers, "manager_id")
    # E1: (25 × 83.33 + 10 × 66.67 + 25 × 39.26 + 10 × 22.63 + 15 × 70.83 + 15 × 50) / 100
    # = 5770.2 / 100
    assert rows["E1"].total == 57.70
    # E2: (25 × 100 + 10 × 50 + 0 + 0 + 15 × 50 + 15 × 100) / 100
    assert rows["E2"].total == 52.50
    # E3 has no signals: the other weights (85) are rescaled to 100;
    # (25 × 50 + 10 × 100 + 25 × 100 + 10 × 100 + 15 × 25) / 85 = 6125 / 85 = 72.0588…
    assert rows["E3"].total == 72.06
    assert rows["E3"].timeliness_weight == pytest.approx(25 / 0.85)
    assert sum(rows["E3"][f"{c}_weight"] for c in COMPONENTS) == pytest.approx(100)
    assert [rows["E1"][f"{c}_weight"] for c in COMPONENTS] == [25, 10, 25, 10, 15, 15]
    assert list(managers.manager_id) == ["E3", "E1", "E2", "E4"]
    assert list(managers.columns) == [
        "manager_id",
        "manager_name",
        "org_id",
        "org_name",
        *score_columns(),
    ]
    assert (rows["E1"].manager_name, rows["E1"].org_id, rows["E1"].org_name) == (
        "员工E1",
        "SB1",
        "一支行",
    )


def test_not_rated_below_the_minimum(
    con: duckdb.DuckDBPyConnection, managers: pd.DataFrame
) -> None:
    rows = _by(managers, "manager_id")
    # E4: one obligation due (< 5) and no loan at 06-30
    e4 = rows["E4"]
    assert (e4.rated, e4.not_rated_reason, e4.obligations, e4.loans) == (
        False,
        "few_obligations",
        1,
        0,
    )
    assert pd.isna(e4.total)
    # E2 and E3 have fewer than 5 obligations too, but loans: rated
    assert all(rows[m].rated and rows[m].not_rated_reason is None for m in ("E1", "E2", "E3"))
    # with a minimum of 1, E4 is rated on timeliness alone
    lenient = SETTINGS.model_copy(
        update={"scores": SETTINGS.scores.model_copy(update={"min_obligations": 1})}
    )
    again = _by(manager_scores(con, Scope("HO"), Q2, lenient), "manager_id")
    assert (again["E4"].rated, again["E4"].total, again["E4"].timeliness_weight) == (
        True,
        0.0,
        100.0,
    )


def test_no_weighted_data_is_not_rated(con: duckdb.DuckDBPyConnection) -> None:
    weights = dict.fromkeys(COMPONENTS, 0.0) | {"warning_handling": 100.0}
    only_signals = SETTINGS.model_copy(update={"scores": ScoreRules(weights=weights)})
    rows = _by(manager_scores(con, Scope("HO"), Q2, only_signals), "manager_id")
    assert (rows["E1"].total, rows["E2"].total) == (50.0, 100.0)
    assert (rows["E3"].rated, rows["E3"].not_rated_reason) == (False, "no_data")


def test_org_scores_over_each_subtree(con: duckdb.DuckDBPyConnection) -> None:
    rows = _by(org_scores(con, Scope("HO"), Q2, SETTINGS), "org_id")
    assert list(rows) == ["SB2", "SB1"]
    sb1, sb2 = rows["SB1"], rows["SB2"]
    assert sb1.org_name == "一支行"
    # SB1 = E1 + E2 over the loans booked there (the handover splits cancel out)
    _assert_component(sb1, "timeliness", 7, 8, 87.5)
    _assert_component(sb1, "report_quality", 3, 5, 60.0)
    _assert_component(sb1, "asset_quality", 666_000, 6_336_000, 0.0)  # 10.5%
    _assert_component(sb1, "migration", 400_000, 6_070_000, 0.0)
    _assert_component(sb1, "recovery", 54_000, 390_000, 69.23)
    _assert_component(sb1, "warning_handling", 3, 5, 60.0)
    # (25 × 87.5 + 10 × 60 + 15 × 69.23 + 15 × 60) / 100 = 47.2595
    assert sb1.total == 47.26
    assert (sb1.obligations, sb1.loans) == (8, 7)
    # SB2: E3 and E4; no signals
    _assert_component(sb2, "timeliness", 1, 3, 33.33)
    _assert_component(sb2, "recovery", 20_000, 400_000, 25.0)
    _assert_no_data(sb2, "warning_handling")
    # (25 × 33.33 + 10 × 100 + 25 × 100 + 10 × 100 + 15 × 25) / 85 = 67.1559…
    assert sb2.total == 67.16
    assert (sb2.obligations, sb2.loans) == (3, 1)


def test_scope_and_manager(con: duckdb.DuckDBPyConnection) -> None:
    sb2 = manager_scores(con, Scope("SB2"), Q2, SETTINGS)
    assert list(sb2.manager_id) == ["E3", "E4"]
    one = manager_scores(con, Scope("HO", manager_id="E1"), Q2, SETTINGS)
    assert list(one.manager_id) == ["E1"] and one.total.iloc[0] == 57.70
    assert org_scores(con, Scope("SB1"), Q2, SETTINGS).empty  # a leaf has no children
    with pytest.raises(ValueError, match="loan filters"):
        manager_scores(con, Scope("HO", product="farmer"), Q2, SETTINGS)


def test_same_inputs_same_frame(con: duckdb.DuckDBPyConnection, managers: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(manager_scores(con, Scope("HO"), Q2, SETTINGS), managers)
    first = org_scores(con, Scope("HO"), Q2, SETTINGS)
    pd.testing.assert_frame_equal(org_scores(con, Scope("HO"), Q2, SETTINGS), first)


# -- the components stored at load --------------------------------------------------------------


@pytest.fixture(scope="module")
def live_con(
    bank: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the hand-written bank without the stored periods: every component is computed
    from the facts."""
    copy = tmp_path_factory.mktemp("score_live") / "wh.duckdb"
    shutil.copyfile(Warehouse(bank.warehouse_path).current_file(), copy)
    with duckdb.connect(str(copy)) as writable:
        writable.execute("DROP TABLE agg_score_period")
    connection = duckdb.connect(str(copy), read_only=True)
    yield connection
    connection.close()


def _offered(month_ends: list[date]) -> set[tuple[date, int]]:
    return {
        (p.end, p.months)
        for kind in ("month", "quarter", "year")
        for p in periods_with_data(month_ends, kind)
    }


def test_every_period_a_page_offers_is_stored(con: duckdb.DuckDBPyConnection) -> None:
    stored = con.execute("SELECT period_end, months FROM agg_score_period").fetchall()
    assert len(stored) == len(set(stored))
    # 7 months, 2 quarters (Mar, Jun), no December
    assert set(stored) == _offered(MONTH_ENDS) and len(stored) == 9


def test_stored_components_equal_the_facts(
    con: duckdb.DuckDBPyConnection, live_con: duckdb.DuckDBPyConnection
) -> None:
    """The stored sums give the scores the per-item SQL gives, to the last digit, for every
    stored period and for scopes down to one manager."""
    scopes = [Scope("HO"), Scope("SB1"), Scope("SB2"), Scope("HO", manager_id="E1")]
    periods = [p for kind in ("month", "quarter") for p in periods_with_data(MONTH_ENDS, kind)]
    for period in periods:
        for scope in scopes:
            for scored in (manager_scores, org_scores):
                pd.testing.assert_frame_equal(
                    scored(con, scope, period, SETTINGS),
                    scored(live_con, scope, period, SETTINGS),
                    check_exact=True,
                )


def test_other_resolution_days_read_the_facts(con: duckdb.DuckDBPyConnection) -> None:
    """Q2 was stored with 30 days (E1 2 of 4 in time); other days are computed from the facts."""
    # 20 days: W1 (resolved in 15 days) and W4 (10) in time; W2 (46), W8 (still handling) and
    # now W6 (06-10, its window ends 06-30, resolved 07-05) late; W3 (06-20, open) undecided;
    # W7 (E2, 18 days) in time
    quick = SETTINGS.model_copy(update={"scores": ScoreRules(signal_resolution_days=20)})
    rows = _by(manager_scores(con, Scope("HO"), Q2, quick), "manager_id")
    _assert_component(rows["E1"], "warning_handling", 2, 5, 40.0)
    _assert_component(rows["E2"], "warning_handling", 1, 1, 100.0)
    # 10 days: only W4 in time; W3's window ends 06-30, so it is decided (late) too; W7 late
    strict = SETTINGS.model_copy(update={"scores": ScoreRules(signal_resolution_days=10)})
    rows = _by(manager_scores(con, Scope("HO"), Q2, strict), "manager_id")
    _assert_component(rows["E1"], "warning_handling", 1, 6, 16.67)
    _assert_component(rows["E2"], "warning_handling", 0, 1, 0.0)


def test_corrected_signals_and_collections_redo_their_periods(tmp_path: Path) -> None:
    """A delivery that corrects a signal and a collection action of May redoes the periods
    that hold May, and leaves the warehouse equal to one loaded from scratch."""
    _load_bank(tmp_path / "incremental", TABLES)
    corrected = dict(TABLES)
    corrected["warning_signals"] = [
        _signal("W2", "C2", "2025-05-05", "orange", "resolved", "2025-05-20")  # in 15 days
        if row["signal_id"] == "W2"
        else row
        for row in TABLES["warning_signals"]
    ]
    corrected["collection_actions"] = [
        _action("K4", "R2", "E1", "2025-05-10", "6000")  # the promise kept: 6,000 recovered
        if row["action_id"] == "K4"
        else row
        for row in TABLES["collection_actions"]
    ]
    settings = _load_bank(tmp_path / "incremental", corrected)
    scratch = _load_bank(tmp_path / "scratch", corrected).warehouse_path
    assert differing_tables(settings.warehouse_path, scratch) == {}
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        assert stored_rules(con, Q2.end, Q2.months) == SETTINGS.scores.signal_resolution_days
        rows = _by(manager_scores(con, Scope("HO"), Q2, SETTINGS), "manager_id")
    # W2 now in time: W1, W2, W4 of W1, W2, W4, W8
    _assert_component(rows["E1"], "warning_handling", 3, 4, 75.0)
    # R2 recovered 6,000 recorded instead of its fall of 30,000: 51k − 30k + 6k = 27k of 360k
    # (7.5%; / 20% × 100 = 37.5)
    _assert_component(rows["E1"], "recovery", 27_000, 360_000, 37.5)


def test_an_empty_period_gives_an_empty_frame(con: duckdb.DuckDBPyConnection) -> None:
    empty = manager_scores(con, Scope("HO"), parse_period("2023-06"), SETTINGS)
    assert empty.empty
    assert list(empty.columns) == [
        "manager_id",
        "manager_name",
        "org_id",
        "org_name",
        *score_columns(),
    ]


# -- settings and periods ---------------------------------------------------------------------


def test_weights_must_sum_to_100() -> None:
    weights = dict(ScoreRules().weights) | {"timeliness": 30}
    with pytest.raises(ValidationError, match="sum to exactly 100, not 105"):
        ScoreRules(weights=weights)
    with pytest.raises(ValidationError, match="missing: recovery"):
        ScoreRules(weights={c: w for c, w in ScoreRules().weights.items() if c != "recovery"})
    with pytest.raises(ValidationError, match="0 or more"):
        ScoreRules(weights=dict(ScoreRules().weights) | {"migration": -10, "recovery": 35})
    # decimals that add up to 100 in decimal notation are fine
    thirds = dict.fromkeys(COMPONENTS, 0.0) | {
        "timeliness": 33.3,
        "report_quality": 33.3,
        "asset_quality": 33.4,
    }
    assert ScoreRules(weights=thirds).weights["asset_quality"] == 33.4


def test_caps_must_lie_beyond_their_targets() -> None:
    with pytest.raises(ValidationError, match=r"npl_cap .* must be beyond npl_target"):
        ScoreRules(npl_target=0.05, npl_cap=0.03)
    with pytest.raises(ValidationError, match="migration_cap"):
        ScoreRules(migration_cap=0)
    with pytest.raises(ValidationError, match="bonus_deferred_share"):
        ScoreRules(bonus_deferred_share=1.2)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAIHOU_SCORES__NPL_TARGET", "0.03")
    assert Settings().scores.npl_target == 0.03


def test_periods() -> None:
    assert (Q2.label, Q2.kind, Q2.start, Q2.end) == (
        "2025Q2",
        "quarter",
        date(2025, 3, 31),
        date(2025, 6, 30),
    )
    assert parse_period("2024-02").start == date(2024, 1, 31)
    assert parse_period("2024-02").end == date(2024, 2, 29)
    year = parse_period("2025")
    assert (year.start, year.end, len(year.month_ends)) == (
        date(2024, 12, 31),
        date(2025, 12, 31),
        12,
    )
    assert parse_period("2025Q1").previous().label == "2024Q4"
    for bad in ("2025Q5", "2025-13", "25", "Q4 2025", ""):
        with pytest.raises(ValueError, match="period"):
            parse_period(bad)


# -- demo bank ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_con(demo_bank: DemoBank) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(demo_bank.settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


def test_diligent_managers_score_above_lax_ones(
    demo_bank: DemoBank, demo_con: duckdb.DuckDBPyConnection
) -> None:
    with open(demo_bank.extract / "_truth" / "manager_diligence.csv", encoding="utf-8") as fh:
        profile = {r["staff_id"]: r["profile"] for r in csv.DictReader(fh)}
    root = demo_con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchone()[0]
    scores = manager_scores(demo_con, Scope(root), parse_period("2025Q4"), SETTINGS)
    rated = scores[scores.rated].assign(profile=scores.manager_id.map(profile))
    diligent = rated[rated.profile == "diligent"].total
    lax = rated[rated.profile == "lax"].total
    assert len(diligent) >= 5 and len(lax) >= 5
    assert diligent.mean() > lax.mean() + 20, (diligent.describe(), lax.describe())
    # Not every diligent manager beats every lax one: the outcome components (asset quality,
    # migration, recovery) of a small book are noisy (2025Q4: the lowest diligent manager,
    # 43.79, has an NPL-heavy book). Nearly every pair is ordered, and most diligent managers
    # beat the best lax one.
    pairs = diligent.to_numpy()[:, None] > lax.to_numpy()[None, :]
    assert pairs.mean() > 0.95, pairs.mean()
    assert diligent.median() > lax.max(), (diligent.describe(), lax.describe())


def test_component_items_add_up_to_the_managers_figures(
    demo_bank: DemoBank, demo_con: duckdb.DuckDBPyConnection
) -> None:
    """The loans and signals behind each loan- or signal-based component add up to the
    manager's numerator and denominator (a manager with a handover in the quarter included)."""
    period = parse_period("2025Q4")
    scope = Scope("BR01")
    frame = manager_scores(demo_con, scope, period, demo_bank.settings).set_index("manager_id")
    for manager in frame.index[:5]:
        for component in ITEM_COMPONENTS:
            items = component_items(demo_con, scope, period, demo_bank.settings, component, manager)
            row = frame.loc[manager]
            assert items.numerator.sum() == pytest.approx(row[f"{component}_numerator"] or 0)
            assert items.denominator.sum() == pytest.approx(row[f"{component}_denominator"] or 0)
            assert items["item"].is_unique
