"""The borrower file (metrics.borrower) on a hand-written bank loaded through the real ETL.

Expected figures are worked out below from the definitions (METRICS.md §1, §5, §6 and
DATA_CONTRACT.md), not from the code. Month ends 2025-01-31 … 2025-06-30 (AS_OF). Default
rules: first 7 days (3 self-paid), fund flow 7 working days, routine A/BBB 90 days, special 3
days, collateral 365 days, corporate routine onsite only, reports within 5 working days.

    org tree  HO ─ BR1 ─ SB1 ; HO ─ BR2 ─ SB3
    C1 青山建材有限公司, corporate, SB1; ratings A 2023-05-01, BBB 2024-01-10, A 2025-03-15
       LC 200,000 disbursed 2024-06-01, 50,000 Jan, 20,000 Feb, settled Mar
       LA 1,000,000 disbursed 2024-12-02 (Mon); dpd 0 0 20 50 0 0; E1 Jan–Mar, E2 Apr–Jun
       LB   500,000 disbursed 2025-02-10 self-paid; Feb–Jun dpd 0 0 35 65 95, June still
            special mention (a floor breach: over 90 days must be substandard)
       collateral K1 on LA 1,200,000 (2024-11-20) then 900,000 (2025-05-10); K2 on LB
            300,000 (2025-02-10); K4 on LB 60,000 (2024-05-01, before the loan: a
            revaluation owed since 2025-05-01); K3 on LC 100,000 (2024-05-20)
    C2 李小明, individual, SB1; C3 王大明, individual_business, SB3 (another branch);
    C4 100%_测试, individual, SB1 (a name with LIKE wildcards)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from extract_builder import write_extract

from daihou.settings import AssetQualityRules, InspectionRules, Settings
from etl.load import load_extract
from metrics import borrower as bw
from metrics import obligations as ob
from metrics.scope import Scope
from warehouse.aggregates.obligations import build as build_obligations
from warehouse.connection import Warehouse

AS_OF = date(2025, 6, 30)
MARCH = date(2025, 3, 31)
RULES = InspectionRules()
FLOORS = AssetQualityRules()
MONTHS = [date(2025, m, d) for m, d in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30))]


def _org(oid: str, name: str, level: str, parent: str) -> dict[str, str]:
    return {"org_id": oid, "org_name": name, "level": level, "parent_org_id": parent}


def _staff(sid: str, name: str, org: str, role: str = "account_manager") -> dict[str, str]:
    return {
        "staff_id": sid,
        "staff_name": name,
        "org_id": org,
        "role": role,
        "hire_date": "2020-01-01",
        "leave_date": "",
    }


def _customer(cid: str, name: str, kind: str, rating: str, rated: str) -> dict[str, str]:
    return {
        "customer_id": cid,
        "customer_name": name,
        "customer_type": kind,
        "id_number": f"9143010000000000{cid[-1]}X",
        "industry_code": "C" if kind == "corporate" else "",
        "region": "青山县",
        "credit_rating": rating,
        "rating_date": rated,
    }


def _loan(
    lid: str, cid: str, org: str, amount: str, disbursed: str, payment: str = "entrusted"
) -> dict[str, str]:
    return {
        "loan_id": lid,
        "customer_id": cid,
        "org_id": org,
        "product": "working_capital",
        "contract_amount": amount,
        "disbursement_date": disbursed,
        "maturity_date": "2027-12-31",
        "interest_rate": "4.35",
        "guarantee_type": "mortgage",
        "payment_mode": payment,
        "purpose": "",
    }


def _snap(
    month: date,
    lid: str,
    manager: str,
    balance: str,
    cls: str = "normal",
    dpd: int = 0,
    status: str = "active",
) -> dict[str, str]:
    return {
        "as_of_date": month.isoformat(),
        "loan_id": lid,
        "manager_id": manager,
        "balance": balance,
        "classification": cls,
        "days_past_due": str(dpd),
        "overdue_principal": "10000" if dpd else "0",
        "interest_arrears": "500" if dpd else "0",
        "status": status,
    }


def _inspection(
    iid: str,
    lid: str,
    staff: str,
    day: str,
    kind: str,
    method: str = "onsite",
    report: str = "",
    reviewer: str = "",
    cid: str = "C1",
) -> dict[str, str]:
    return {
        "inspection_id": iid,
        "customer_id": cid,
        "loan_id": lid,
        "staff_id": staff,
        "inspection_date": day,
        "inspection_type": kind,
        "method": method,
        "report_date": report,
        "risk_found": "false",
        "findings": "",
        "reviewer_id": reviewer,
    }


def _signal(
    sid: str, day: str, kind: str, severity: str, status: str, resolved: str, handler: str
) -> dict[str, str]:
    return {
        "signal_id": sid,
        "customer_id": "C1",
        "loan_id": "LB",
        "signal_date": day,
        "signal_type": kind,
        "severity": severity,
        "source": "system",
        "status": status,
        "resolved_date": resolved,
        "handler_id": handler,
    }


def _appraisal(cid: str, lid: str, kind: str, value: str, day: str) -> dict[str, str]:
    return {
        "collateral_id": cid,
        "loan_id": lid,
        "collateral_type": kind,
        "appraised_value": value,
        "appraisal_date": day,
    }


def _action(aid: str, day: str, channel: str, outcome: str, amount: str) -> dict[str, str]:
    return {
        "action_id": aid,
        "loan_id": "LB",
        "staff_id": "E2",
        "action_date": day,
        "channel": channel,
        "outcome": outcome,
        "amount_recovered": amount,
    }


LA_DPD = [0, 0, 20, 50, 0, 0]
LA_CLASS = ["normal", "normal", "special_mention", "special_mention", "normal", "normal"]
LB_ROWS = [  # Feb … Jun: balance, class, dpd
    ("500000", "normal", 0),
    ("500000", "normal", 0),
    ("480000", "special_mention", 35),
    ("460000", "special_mention", 65),
    ("450000", "special_mention", 95),
]

TABLES: dict[str, list[dict[str, str]]] = {
    "org_units": [
        _org("HO", "示范银行", "head_office", ""),
        _org("BR1", "城关分行", "branch", "HO"),
        _org("SB1", "东街支行", "sub_branch", "BR1"),
        _org("BR2", "河西分行", "branch", "HO"),
        _org("SB3", "河西支行", "sub_branch", "BR2"),
    ],
    "staff": [
        _staff("E1", "张一", "SB1"),
        _staff("E2", "李二", "SB1"),
        _staff("E3", "王三", "SB3"),
        _staff("E9", "赵九", "HO", "branch_head"),
    ],
    "customers": [
        _customer("C1", "青山建材有限公司", "corporate", "A", "2025-03-15"),
        _customer("C2", "李小明", "individual", "unrated", ""),
        _customer("C3", "王大明", "individual_business", "BB", "2024-12-31"),
        _customer("C4", "100%_测试", "individual", "unrated", ""),
    ],
    "customer_ratings": [
        {"customer_id": "C1", "credit_rating": "A", "rating_date": "2023-05-01"},
        {"customer_id": "C1", "credit_rating": "BBB", "rating_date": "2024-01-10"},
    ],
    "loans": [
        _loan("LC", "C1", "SB1", "200000", "2024-06-01"),
        _loan("LA", "C1", "SB1", "1000000", "2024-12-02"),
        _loan("LB", "C1", "SB1", "500000", "2025-02-10", "self"),
        _loan("LE", "C2", "SB1", "50000", "2025-01-05", "self"),
        _loan("LF", "C3", "SB3", "300000", "2024-12-20"),
        _loan("LG", "C4", "SB1", "80000", "2024-12-20"),
    ],
    "loan_snapshots": [
        _snap(MONTHS[0], "LC", "E1", "50000"),
        _snap(MONTHS[1], "LC", "E1", "20000"),
        _snap(MONTHS[2], "LC", "E1", "0", status="settled"),
        *(
            _snap(m, "LA", "E1" if i < 3 else "E2", "1000000", LA_CLASS[i], LA_DPD[i])
            for i, m in enumerate(MONTHS)
        ),
        *(_snap(m, "LB", "E1", b, c, d) for m, (b, c, d) in zip(MONTHS[1:], LB_ROWS, strict=True)),
        *(_snap(m, "LE", "E1", "50000") for m in MONTHS),
        *(_snap(m, "LF", "E3", "300000") for m in MONTHS),
        *(_snap(m, "LG", "E2", "80000") for m in MONTHS),
    ],
    "inspections": [
        _inspection("IR0", "LC", "E1", "2024-08-20", "routine"),
        _inspection("IR1", "", "E1", "2024-11-10", "routine"),
        _inspection("IA1", "LA", "E1", "2024-12-05", "first", report="2024-12-06", reviewer="E9"),
        _inspection("IA2", "LA", "E1", "2024-12-12", "fund_flow"),
        _inspection("IA3", "LA", "E1", "2025-03-15", "special", "phone"),
        _inspection("IA4", "", "E2", "2025-04-20", "routine", report="2025-04-22", reviewer="E9"),
        _inspection("IA5", "LB", "E2", "2025-05-22", "special", report="2025-06-20", reviewer="E9"),
        _inspection("IA6", "", "E2", "2025-06-05", "guarantor", "phone"),
        _inspection("IF1", "LF", "E3", "2025-01-10", "first", cid="C3"),
    ],
    "warning_signals": [
        _signal("W1", "2025-05-20", "overdue", "red", "resolved", "2025-06-10", "E2"),
        _signal("W2", "2025-04-05", "account_anomaly", "orange", "handling", "", "E1"),
        _signal("W3", "2025-01-15", "licence_abnormal", "yellow", "open", "", ""),
    ],
    "collateral": [
        _appraisal("K1", "LA", "real_estate", "1200000", "2024-11-20"),
        _appraisal("K1", "LA", "real_estate", "900000", "2025-05-10"),
        _appraisal("K2", "LB", "equipment", "300000", "2025-02-10"),
        _appraisal("K3", "LC", "deposit", "100000", "2024-05-20"),
        _appraisal("K4", "LB", "equipment", "60000", "2024-05-01"),
    ],
    "collection_actions": [
        _action("A1", "2025-05-05", "phone", "promise_to_pay", "0"),
        _action("A2", "2025-06-15", "visit", "paid", "20000"),
    ],
}


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bank above through etl.load, with fct_obligation built (as every load builds it)."""
    root = tmp_path_factory.mktemp("borrower_bank")
    settings = Settings(data_dir=root, warehouse=root / "wh.duckdb")
    summary = load_extract(
        write_extract(root / "extract", TABLES), settings, today=date(2026, 1, 15)
    )
    assert summary.rows_rejected == 0, summary.to_json()
    if not _has_obligations(settings.warehouse_path):
        with Warehouse(settings.warehouse_path).writer() as rw:
            build_obligations(rw, settings)
    return settings


def _has_obligations(path: Path) -> bool:
    with Warehouse(path).connect_read_only() as con:
        return bool(
            con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fct_obligation'"
            ).fetchone()[0]
        )


@pytest.fixture(scope="module")
def con(bank: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(bank.warehouse_path).connect_read_only()
    yield connection
    connection.close()


# -- search and scope ------------------------------------------------------------------------


def _ids(frame: pd.DataFrame) -> list[str]:
    return frame["customer_id"].tolist()


def test_search_by_id_exact_prefix_and_case(con: duckdb.DuckDBPyConnection) -> None:
    assert _ids(bw.search_customers(con, "C1", "HO")) == ["C1"]
    assert _ids(bw.search_customers(con, " c1 ", "HO")) == ["C1"]  # trimmed, any case
    # every id starts with C: all four, in id order
    assert _ids(bw.search_customers(con, "C", "HO")) == ["C1", "C2", "C3", "C4"]
    assert _ids(bw.search_customers(con, "C", "HO", limit=2)) == ["C1", "C2"]


def test_search_by_name_and_columns(con: duckdb.DuckDBPyConnection) -> None:
    found = bw.search_customers(con, "建材", "HO")
    assert _ids(found) == ["C1"]
    row = found.iloc[0]
    assert (row.customer_name, row.customer_type, row.org_names, row.loan_count) == (
        "青山建材有限公司",
        "corporate",
        "东街支行",
        3,
    )
    assert _ids(bw.search_customers(con, "明", "HO")) == ["C2", "C3"]


def test_search_stays_in_the_subtree(con: duckdb.DuckDBPyConnection) -> None:
    # 王大明 (C3) banks with 河西分行: not found from 城关分行 or its sub-branch
    assert _ids(bw.search_customers(con, "明", "BR1")) == ["C2"]
    assert _ids(bw.search_customers(con, "C3", "SB1")) == []
    assert _ids(bw.search_customers(con, "C3", "BR2")) == ["C3"]


def test_search_text_is_data_not_sql_or_wildcards(con: duckdb.DuckDBPyConnection) -> None:
    before = con.execute("SELECT count(*) FROM dim_customer").fetchone()
    for hostile in ("%' OR 1=1 --", "' OR '1'='1", "'; DROP TABLE dim_customer; --", "%%"):
        assert bw.search_customers(con, hostile, "HO").empty, hostile
    # % and _ match only themselves: C4's name is the only one holding them
    assert _ids(bw.search_customers(con, "%", "HO")) == ["C4"]
    assert _ids(bw.search_customers(con, "_", "HO")) == ["C4"]
    assert _ids(bw.search_customers(con, "0%_", "HO")) == ["C4"]
    assert bw.search_customers(con, "   ", "HO").empty
    assert con.execute("SELECT count(*) FROM dim_customer").fetchone() == before


def test_customer_in_scope(con: duckdb.DuckDBPyConnection) -> None:
    assert bw.customer_in_scope(con, "C1", "HO")
    assert bw.customer_in_scope(con, "C1", "SB1")
    assert not bw.customer_in_scope(con, "C3", "BR1")
    assert bw.customer_in_scope(con, "C3", "BR2")
    assert not bw.customer_in_scope(con, "CX", "HO")
    assert not bw.customer_in_scope(con, "' OR 1=1 --", "HO")


def test_an_account_managers_customers_are_those_of_the_loans_they_manage_now(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # latest snapshots: LA (C1) E2 since April, LB (C1) and LE (C2) E1, LG (C4) E2, LF (C3) E3
    assert bw.customer_in_scope(con, "C1", "HO", "E1")
    assert bw.customer_in_scope(con, "C1", "HO", "E2")
    assert bw.customer_in_scope(con, "C2", "HO", "E1")
    assert not bw.customer_in_scope(con, "C2", "HO", "E2")
    assert not bw.customer_in_scope(con, "C3", "HO", "E1")
    assert not bw.customer_in_scope(con, "C1", "HO", "' OR 1=1 --")
    assert _ids(bw.search_customers(con, "C", "HO", manager_id="E2")) == ["C1", "C4"]
    assert _ids(bw.search_customers(con, "C", "HO", manager_id="E3")) == ["C3"]


# -- identity and rating ---------------------------------------------------------------------


def test_profile_takes_the_largest_loan_at_the_latest_month_end(
    con: duckdb.DuckDBPyConnection,
) -> None:
    p = bw.profile(con, "C1", AS_OF)
    assert p is not None
    assert (p.customer_name, p.customer_type, p.industry_code, p.region) == (
        "青山建材有限公司",
        "corporate",
        "C",
        "青山县",
    )
    assert (p.credit_rating, p.rating_date) == ("A", date(2025, 3, 15))
    # June: LA 1,000,000 > LB 450,000; LA's June manager is E2 (handed over in April)
    assert (p.basis_loan_id, p.basis_date) == ("LA", AS_OF)
    assert (p.manager_id, p.manager_name, p.org_id, p.org_name) == ("E2", "李二", "SB1", "东街支行")
    assert p.rating_at_as_of == "A"
    # in January: the rating then was BBB (2024-01-10), LA's manager E1
    january = bw.profile(con, "C1", MONTHS[0])
    assert january is not None
    assert (january.rating_at_as_of, january.manager_id) == ("BBB", "E1")
    assert bw.profile(con, "CX", AS_OF) is None


def test_rating_history_with_direction(con: duckdb.DuckDBPyConnection) -> None:
    got = bw.rating_history(con, "C1", AS_OF)
    assert [d.date() for d in got.rating_date] == [
        date(2025, 3, 15),
        date(2024, 1, 10),
        date(2023, 5, 1),
    ]
    assert got.credit_rating.tolist() == ["A", "BBB", "A"]
    assert [None if pd.isna(c) else c for c in got.change] == ["up", "down", None]
    # ratings dated after the as-of date are not known yet
    assert bw.rating_history(con, "C1", date(2024, 12, 31)).credit_rating.tolist() == ["BBB", "A"]


# -- loans -----------------------------------------------------------------------------------


def test_loans_at_the_as_of_date(con: duckdb.DuckDBPyConnection) -> None:
    got = bw.loans(con, "C1", AS_OF, FLOORS).set_index("loan_id")
    # on the book first, larger balance first; LC settled in March
    assert got.index.tolist() == ["LA", "LB", "LC"]
    assert got.is_on_book.tolist() == [True, True, False]
    assert got.loc["LB", "balance"] == 450_000
    assert got.loc["LB", "days_past_due"] == 95
    # 95 days past due must be at least substandard: reported special mention is a breach
    assert got.loc["LB", "floor_class"] == "substandard"
    assert got.is_floor_breach.tolist() == [False, True, False]
    assert (got.loc["LC", "status"], got.loc["LC", "balance"]) == ("settled", 0)
    assert got.loc["LC", "snapshot_date"].date() == MARCH
    assert got.loc["LA", "manager_name"] == "李二"


def test_exposure(con: duckdb.DuckDBPyConnection) -> None:
    got = bw.exposure(bw.loans(con, "C1", AS_OF, FLOORS))
    assert got == bw.Exposure(
        loan_count=2,
        balance=1_450_000.0,
        npl_balance=0.0,
        overdue_principal=10_000.0,  # LB only
        interest_arrears=500.0,
        worst_class="special_mention",
        max_days_past_due=95,
        floor_breaches=1,
    )
    # end of March: LA (special mention, 20 days), LB (normal); LC has left the book
    march = bw.exposure(bw.loans(con, "C1", MARCH, FLOORS))
    assert (march.loan_count, march.balance, march.worst_class) == (
        2,
        1_500_000.0,
        "special_mention",
    )
    # loans disbursed after the as-of date are not there yet
    assert bw.loans(con, "C1", MONTHS[0], FLOORS).loan_id.tolist() == ["LA", "LC"]


def test_loan_history(con: duckdb.DuckDBPyConnection) -> None:
    got = bw.loan_history(con, "C1", AS_OF)
    assert got.groupby("loan_id").size().to_dict() == {"LA": 6, "LB": 5, "LC": 3}
    la = got[got.loan_id == "LA"]
    assert la.days_past_due.tolist() == LA_DPD
    assert la.classification.tolist() == LA_CLASS
    assert got[got.loan_id == "LC"].is_on_book.tolist() == [True, True, False]
    assert len(bw.loan_history(con, "C1", MARCH)) == 3 + 2 + 3


# -- obligations and inspections -------------------------------------------------------------


@pytest.fixture(scope="module")
def owed(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return bw.customer_obligations(con, "C1", AS_OF, RULES)


def _one(owed: pd.DataFrame, kind: str, ref: str | None, due: str) -> pd.Series:
    """The obligation of ``kind`` for ``ref`` (loan, signal or collateral item; None for
    routine) due on ``due``: found by what it means, not by its id's spelling."""
    rows = owed[(owed.kind == kind) & (owed.due_date == pd.Timestamp(due))]
    if ref is not None:
        rows = rows[rows.reason_ref == ref]
    assert len(rows) == 1, (kind, ref, due, rows.obligation_id.tolist())
    return rows.iloc[0]


def _status(row: pd.Series) -> tuple[str, str | None, object]:
    """(status, satisfying inspection, days late or overdue) of one obligation."""
    days = row.days_late if row.status == "late" else row.days_overdue
    inspection = None if pd.isna(row.inspection_id) else row.inspection_id
    return row.status, inspection, None if pd.isna(days) else int(days)


def test_first_and_fund_flow(owed: pd.DataFrame) -> None:
    # LA disbursed Mon 2024-12-02: first due 12-09, IA1 12-05 on time; fund flow 7 working days
    # (3, 4, 5, 6, 9, 10, 11) due 12-11, IA2 12-12 one day late
    assert _status(_one(owed, "first", "LA", "2024-12-09")) == ("on_time", "IA1", None)
    assert _status(_one(owed, "fund_flow", "LA", "2024-12-11")) == ("late", "IA2", 1)
    # LB self-paid, 2025-02-10 + 3 = 02-13, never visited: 15 + 31 + 30 + 31 + 30 = 137 days
    assert _status(_one(owed, "first", "LB", "2025-02-13")) == ("overdue", None, 137)
    # LC 2024-06-01 + 7 = 06-08: 22 + 31 + 31 + 30 + 31 + 30 + 31 + 31 + 28 + 31 + 30 + 31 + 30
    assert _status(_one(owed, "first", "LC", "2024-06-08")) == ("overdue", None, 387)
    assert set(owed[owed.kind.isin(["first", "fund_flow"])].reason) == {"disbursement"}


def test_routine_chain(owed: pd.DataFrame) -> None:
    # spell from LC's 2024-06-01, rating BBB then (90 days): due 08-30, IR0 08-20 on time;
    # 08-20 + 90 = 11-18, IR1 11-10 on time; 11-10 + 90 = 2025-02-08, next allowed routine
    # IA4 on 04-20 (IA3 is by phone: not for a corporate) 71 days late; rated A on 03-15, so
    # 04-20 + 90 = 07-19, met on time by the onsite special IA5 (05-22); 05-22 + 90 = 08-20
    # pending
    routine = owed[owed.kind == "routine"].sort_values("due_date")
    assert [d.date() for d in routine.due_date] == [
        date(2024, 8, 30),
        date(2024, 11, 18),
        date(2025, 2, 8),
        date(2025, 7, 19),
        date(2025, 8, 20),
    ]
    assert routine.status.tolist() == ["on_time", "on_time", "late", "on_time", "pending"]
    assert routine.inspection_id.fillna("").tolist() == ["IR0", "IR1", "IA4", "IA5", ""]
    assert routine.days_late.dropna().tolist() == [71]
    assert routine.reason.unique().tolist() == ["interval"]


def test_special_obligations_compete_for_inspections(owed: pd.DataFrame) -> None:
    # LA overdue since 03-31 - 20 + 1 = 03-12, due 03-15: IA3 (03-15) on time
    la = _one(owed, "special", "LA", "2025-03-15")
    assert _status(la) == ("on_time", "IA3", None)
    assert (la.reason, la.inspector_name, la.inspection_method) == ("overdue", "张一", "phone")
    # LB overdue since 04-30 - 35 + 1 = 03-27, due 03-30: the next special inspection, IA5 on
    # 05-22, is 53 days late; so the red signal W1 (05-20, due 05-23) finds none left: 38 days
    lb = _one(owed, "special", "LB", "2025-03-30")
    assert _status(lb) == ("late", "IA5", 53)
    assert lb.trigger_date == pd.Timestamp("2025-03-27")
    w1 = _one(owed, "special", "W1", "2025-05-23")
    assert _status(w1) == ("overdue", None, 38)
    assert (w1.reason, w1.trigger_date) == ("signal", pd.Timestamp("2025-05-20"))
    assert (owed.kind == "special").sum() == 3  # W2 (orange) and W3 (yellow) owe nothing


def test_collateral_revaluation(owed: pd.DataFrame) -> None:
    # K1 2024-11-20 + 365 = 2025-11-20, met by the new appraisal of 2025-05-10, on time
    row = _one(owed, "collateral", "K1", "2025-11-20")
    assert (row.status, row.by_appraisal, row.satisfied_date.date(), row.reason) == (
        "on_time",
        True,
        date(2025, 5, 10),
        "appraisal",
    )
    assert _one(owed, "collateral", "K1", "2026-05-10").status == "pending"
    assert _one(owed, "collateral", "K2", "2026-02-10").status == "pending"
    # K4 2024-05-01 + 365 = 2025-05-01, LB on the book then, never revalued: 30 + 30 days
    assert _status(_one(owed, "collateral", "K4", "2025-05-01")) == ("overdue", None, 60)
    # K3 was on LC, which left the book before it fell due: nothing owed
    assert "K3" not in set(owed.reason_ref)


def test_obligations_equal_the_engine(con: duckdb.DuckDBPyConnection, owed: pd.DataFrame) -> None:
    # the same rows and statuses as metrics.obligations gives for the bank, cut to C1 and to
    # what had been triggered by the as-of date
    everything = ob.obligations(con, Scope("HO"), AS_OF, RULES)
    mine = everything[(everything.customer_id == "C1") & (everything.trigger_date <= "2025-06-30")]
    mine = mine.set_index("obligation_id")
    assert sorted(mine.index) == sorted(owed.obligation_id)
    assert (mine.status == owed.set_index("obligation_id").status).all()
    # rules other than those fct_obligation was built with are derived from the facts: the
    # AAA interval does not touch C1 (never AAA), so the answer is the same
    other = RULES.model_copy(
        update={"routine_interval_days": {**RULES.routine_interval_days, "AAA": 181}}
    )
    derived = bw.customer_obligations(con, "C1", AS_OF, other)
    assert derived.obligation_id.tolist() == owed.obligation_id.tolist()
    assert derived.status.tolist() == owed.status.tolist()


def test_obligations_as_known_at_an_earlier_date(con: duckdb.DuckDBPyConnection) -> None:
    march = bw.customer_obligations(con, "C1", MARCH, RULES)
    assert "W1" not in set(march.reason_ref)  # raised in May
    assert (march.trigger_date <= pd.Timestamp(MARCH)).all()
    # the routine obligation IA4 met in April was still open at the end of March: 51 days
    assert _status(_one(march, "routine", None, "2025-02-08")) == ("overdue", None, 51)
    assert march[march.kind == "routine"].due_date.max() == pd.Timestamp("2025-02-08")
    # LB's overdue episode began on 03-27 (as the April snapshot tells): due 03-30, 1 day
    # overdue at the end of March, as metrics.obligations counts it
    assert _status(_one(march, "special", "LB", "2025-03-30")) == ("overdue", None, 1)


def test_inspections_with_what_they_satisfied(con: duckdb.DuckDBPyConnection) -> None:
    got = bw.customer_inspections(con, "C1", AS_OF, RULES).set_index("inspection_id")
    assert got.index.tolist() == ["IA6", "IA5", "IA4", "IA3", "IA2", "IA1", "IR1", "IR0"]
    assert list(got.loc["IA5", "satisfied_kinds"]) == ["special", "routine"]
    assert list(got.loc["IA6", "satisfied_kinds"]) == []  # a guarantor check owes nothing
    assert len(got.loc["IA3", "satisfied_obligations"]) == 1
    # report quality: IA4 Sun 04-20 → Tue 04-22 is 2 working days, reviewed: good. IA5 Thu
    # 05-22 → Fri 06-20 is 20 working days (Dragon Boat Festival 05-31 is a Saturday; 06-02
    # is the day off): late. IA1 Thu 12-05 → Fri 12-06 one day, reviewed: good.
    assert got.loc["IA4", "report_working_days"] == 2
    assert got.loc["IA5", "report_working_days"] == 20
    assert got.is_good_report.to_dict() == {
        "IA6": False,
        "IA5": False,
        "IA4": True,
        "IA3": False,
        "IA2": False,
        "IA1": True,
        "IR1": False,
        "IR0": False,
    }
    assert (got.loc["IA5", "inspector_name"], got.loc["IA5", "reviewer_name"]) == ("李二", "赵九")
    assert bw.customer_inspections(con, "C1", MARCH, RULES).index.size == 5


# -- signals, collateral, collections --------------------------------------------------------


def test_signals_and_their_handling(con: duckdb.DuckDBPyConnection) -> None:
    got = bw.signals(con, "C1", AS_OF).set_index("signal_id")
    assert got.index.tolist() == ["W1", "W2", "W3"]
    assert got.status.tolist() == ["resolved", "handling", "open"]
    assert got.loc["W1", "resolved_date"].date() == date(2025, 6, 10)
    # W1 21 days (05-20 → 06-10) to resolution; W2 open 25 + 31 + 30 = 86 days; W3 166 days
    assert got.days_open.tolist() == [21, 86, 166]
    assert got.loc["W1", "handler_name"] == "李二"
    # at the end of May W1 was not resolved yet: open for 11 days, no resolution date
    may = bw.signals(con, "C1", date(2025, 5, 31)).set_index("signal_id")
    assert (may.loc["W1", "status"], may.loc["W1", "days_open"]) == ("open", 11)
    assert pd.isna(may.loc["W1", "resolved_date"])


def test_collateral_and_coverage(con: duckdb.DuckDBPyConnection) -> None:
    got = bw.collateral(con, "C1", AS_OF, RULES)
    items = got.items.set_index("collateral_id")
    assert items.index.tolist() == ["K1", "K2", "K4", "K3"]  # by loan: LA, LB, LB, LC
    assert items.loc["K1", ["appraised_value", "first_value", "appraisal_count"]].tolist() == [
        900_000,
        1_200_000,
        2,
    ]
    # K4 due again 2025-05-01, before the as-of date, its loan on the book; K3 is older still,
    # but its loan LC has left the book: nothing owed
    assert items.is_stale.tolist() == [False, False, True, False]
    assert items.is_on_book.tolist() == [True, True, True, False]
    assert got.appraisals.change.dropna().tolist() == [-300_000]
    # coverage of the secured loans on the book: LA 900,000 / 1,000,000; LB (300,000 +
    # 60,000) / 450,000 = 0.8; LC has left the book
    coverage = got.coverage.set_index("loan_id")
    assert coverage.index.tolist() == ["LB", "LA"]  # lowest first
    assert coverage.coverage.tolist() == pytest.approx([0.8, 0.9])
    assert coverage.item_count.tolist() == [2, 1]
    assert (got.appraised_value, got.secured_balance) == (1_260_000, 1_450_000)
    assert got.coverage_ratio == pytest.approx(1_260_000 / 1_450_000)
    # before the revaluation: K1 at 1,200,000 on LA's 1,000,000; LB 360,000 / 500,000
    march = bw.collateral(con, "C1", MARCH, RULES)
    assert march.coverage.set_index("loan_id").coverage.to_dict() == pytest.approx(
        {"LB": 0.72, "LA": 1.2}
    )
    none = bw.collateral(con, "C2", AS_OF, RULES)
    assert none.items.empty and none.coverage_ratio is None


def test_collections(con: duckdb.DuckDBPyConnection) -> None:
    got = bw.collections(con, "C1", AS_OF)
    assert got.action_id.tolist() == ["A2", "A1"]
    assert got.amount_recovered.sum() == 20_000
    assert got.staff_name.unique().tolist() == ["李二"]
    assert bw.collections(con, "C1", date(2025, 5, 31)).action_id.tolist() == ["A1"]
