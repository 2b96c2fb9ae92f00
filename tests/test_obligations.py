"""METRICS.md §5: obligations, compliance and report quality, on a hand-written bank loaded
through the real ETL, and on the demo bank.

The bank: month ends 2025-01-31 … 2025-09-30 (the horizon; AS_OF = 2025-09-30). Every loan is
active with a positive balance at every month end. Default rules: first 7 days (3 self-paid),
fund flow 7 working days, routine AAA 180 / BB and unrated 60 days, special 3 days, collateral
365 days, corporate routine onsite only, reports within 5 working days.

    customer                  loans (disbursed, payment)               manager
    C1 corporate, AAA         F1 2025-01-06 entrusted                  E1 Jan–Mar, E2 Apr–Sep
    C2 individual             F2, F3 2025-01-06 self                   E1
    C3 individual_business BB R1 2025-01-02 entrusted                  E3
    C4 individual             S1 2024-12-01 entrusted; dpd 0 0 10 40 0 5 0 0 0 (Jan…Sep)  E1
    C5 individual             G1 2024-05-01 entrusted; items K1 (2024-06-10, 2025-06-20),
                              K2 (2024-09-01)                          E1
    C6 individual             H1 2025-01-24 entrusted                  E1
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from extract_builder import write_extract
from fixtures_demo import DemoBank

from daihou.settings import InspectionRules, Settings
from etl.load import load_extract
from metrics import obligations as ob
from metrics.scope import Scope
from warehouse.aggregates.obligations import DERIVE_OBLIGATIONS, rule_params
from warehouse.aggregates.obligations import build as build_obligations
from warehouse.connection import Warehouse

AS_OF = date(2025, 9, 30)
RULES = InspectionRules()
MONTH_ENDS = [
    date(2025, 1, 31),
    date(2025, 2, 28),
    date(2025, 3, 31),
    date(2025, 4, 30),
    date(2025, 5, 31),
    date(2025, 6, 30),
    date(2025, 7, 31),
    date(2025, 8, 31),
    date(2025, 9, 30),
]
S1_DPD = [0, 0, 10, 40, 0, 5, 0, 0, 0]


def _customer(cid: str, kind: str, rating: str, rated: str) -> dict[str, str]:
    return {
        "customer_id": cid,
        "customer_name": f"客户{cid}",
        "customer_type": kind,
        "id_number": f"43010219800101{cid[-1]}234",
        "industry_code": "C" if kind == "corporate" else "",
        "region": "长沙",
        "credit_rating": rating,
        "rating_date": rated,
    }


def _loan(lid: str, cid: str, org: str, disbursed: str, payment: str) -> dict[str, str]:
    return {
        "loan_id": lid,
        "customer_id": cid,
        "org_id": org,
        "product": "working_capital",
        "contract_amount": "100000",
        "disbursement_date": disbursed,
        "maturity_date": "2027-12-31",
        "interest_rate": "5.0",
        "guarantee_type": "mortgage",
        "payment_mode": payment,
        "purpose": "",
    }


def _snapshot(as_of: date, lid: str, manager: str, dpd: int) -> dict[str, str]:
    return {
        "as_of_date": as_of.isoformat(),
        "loan_id": lid,
        "manager_id": manager,
        "balance": "100000",
        "classification": "normal" if dpd == 0 else "special_mention",
        "days_past_due": str(dpd),
        "overdue_principal": "1000" if dpd else "0",
        "interest_arrears": "0",
        "status": "active",
    }


def _inspection(
    iid: str,
    cid: str,
    lid: str,
    staff: str,
    day: str,
    kind: str,
    method: str = "onsite",
    report: str = "",
    reviewer: str = "",
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


def _signal(sid: str, cid: str, day: str, severity: str) -> dict[str, str]:
    return {
        "signal_id": sid,
        "customer_id": cid,
        "loan_id": "S1",
        "signal_date": day,
        "signal_type": "overdue",
        "severity": severity,
        "source": "system",
        "status": "open",
        "resolved_date": "",
        "handler_id": "",
    }


def _staff(sid: str, org: str, role: str = "account_manager") -> dict[str, str]:
    return {
        "staff_id": sid,
        "staff_name": f"员工{sid}",
        "org_id": org,
        "role": role,
        "hire_date": "2020-01-01",
        "leave_date": "",
    }


def _appraisal(cid: str, day: str) -> dict[str, str]:
    return {
        "collateral_id": cid,
        "loan_id": "G1",
        "collateral_type": "real_estate",
        "appraised_value": "150000",
        "appraisal_date": day,
    }


MANAGERS = {"F1": "E1", "F2": "E1", "F3": "E1", "R1": "E3", "S1": "E1", "G1": "E1", "H1": "E1"}

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
        _staff("E9", "HO", "branch_head"),
    ],
    "customers": [
        _customer("C1", "corporate", "AAA", "2024-06-30"),
        _customer("C2", "individual", "unrated", ""),
        _customer("C3", "individual_business", "BB", "2024-12-31"),
        _customer("C4", "individual", "unrated", ""),
        _customer("C5", "individual", "unrated", ""),
        _customer("C6", "individual", "unrated", ""),
    ],
    "loans": [
        _loan("F1", "C1", "SB1", "2025-01-06", "entrusted"),
        _loan("F2", "C2", "SB1", "2025-01-06", "self"),
        _loan("F3", "C2", "SB1", "2025-01-06", "self"),
        _loan("R1", "C3", "SB2", "2025-01-02", "entrusted"),
        _loan("S1", "C4", "SB1", "2024-12-01", "entrusted"),
        _loan("G1", "C5", "SB1", "2024-05-01", "entrusted"),
        _loan("H1", "C6", "SB1", "2025-01-24", "entrusted"),
    ],
    "loan_snapshots": [
        _snapshot(
            m,
            lid,
            "E2" if lid == "F1" and m.month >= 4 else manager,
            S1_DPD[i] if lid == "S1" else 0,
        )
        for lid, manager in MANAGERS.items()
        for i, m in enumerate(MONTH_ENDS)
    ],
    "inspections": [
        # first
        _inspection("IF1", "C1", "F1", "E1", "2025-01-15", "first"),
        _inspection("IF2", "C2", "", "E1", "2025-01-08", "first"),  # customer-level
        # fund flow
        _inspection("IW1", "C1", "F1", "E1", "2025-01-16", "fund_flow"),
        _inspection("IWH", "C6", "H1", "E1", "2025-02-10", "fund_flow"),
        # routine
        _inspection("IP1", "C1", "F1", "E2", "2025-06-01", "routine", "phone"),
        _inspection("IR1", "C1", "F1", "E2", "2025-07-20", "routine"),
        _inspection("IR3a", "C3", "", "E3", "2025-07-10", "routine", "video", "2025-07-17", "E9"),
        _inspection("IR3b", "C3", "", "E3", "2025-09-01", "routine"),
        # special
        _inspection("IS1", "C4", "S1", "E1", "2025-03-24", "special"),
        _inspection("IS2", "C4", "S1", "E1", "2025-06-27", "special"),
        _inspection("IS3", "C4", "S1", "E1", "2025-08-06", "special"),
        # collateral
        _inspection("IK2", "C5", "G1", "E1", "2025-08-15", "collateral"),
    ],
    "warning_signals": [
        _signal("W1", "C4", "2025-08-01", "red"),
        _signal("W2", "C4", "2025-08-02", "yellow"),
    ],
    "collateral": [
        _appraisal("K1", "2024-06-10"),
        _appraisal("K1", "2025-06-20"),
        _appraisal("K2", "2024-09-01"),
    ],
}


@pytest.fixture(scope="module")
def ob_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bank above loaded by etl.load, with fct_obligation built; its warehouse path."""
    root = tmp_path_factory.mktemp("ob_bank")
    settings = Settings(data_dir=root, warehouse=root / "wh.duckdb")
    summary = load_extract(
        write_extract(root / "extract", TABLES), settings, today=date(2026, 1, 15)
    )
    assert summary.rows_rejected == 0, summary.to_json()
    materialise(settings)
    return settings.warehouse_path


def materialise(settings: Settings) -> None:
    """Build fct_obligation into a new generation, as a load will once the builder is
    registered (issue 4, with the inspection pages)."""
    with Warehouse(settings.warehouse_path).writer() as rw:
        build_obligations(rw, settings)


@pytest.fixture(scope="module")
def con(ob_bank: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(ob_bank).connect_read_only()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def owed(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return ob.obligations(con, Scope("HO"), AS_OF, RULES).set_index("obligation_id")


def _row(owed: pd.DataFrame, obligation_id: str) -> pd.Series:
    return owed.loc[obligation_id]


def _check(
    owed: pd.DataFrame,
    obligation_id: str,
    due: str,
    status: str,
    inspection: str | None = None,
    days: int | None = None,
) -> pd.Series:
    """Due date, status, satisfying inspection, and days late (late) or overdue (overdue)."""
    row = _row(owed, obligation_id)
    assert row.due_date.date() == date.fromisoformat(due), obligation_id
    assert row.status == status, obligation_id
    assert (None if pd.isna(row.inspection_id) else row.inspection_id) == inspection
    if status == "late":
        assert row.days_late == days
    if status == "overdue":
        assert row.days_overdue == days
    return row


def test_first(owed: pd.DataFrame) -> None:
    # F1: 2025-01-06 + 7 = 01-13; inspected 01-15: late by 2
    _check(owed, "first:F1", "2025-01-13", "late", "IF1", 2)
    # F2, F3 self-paid: 01-06 + 3 = 01-09. IF2 (no loan_id) satisfies only one of them, the
    # earliest open one (tie on due date: F2 first); F3 open, 09-30 - 01-09 = 22 + 28 + 31 +
    # 30 + 31 + 30 + 31 + 31 + 30 = 264 days overdue
    _check(owed, "first:F2", "2025-01-09", "on_time", "IF2")
    _check(owed, "first:F3", "2025-01-09", "overdue", None, 264)


def test_fund_flow_across_weekend_and_spring_festival(owed: pd.DataFrame) -> None:
    # F1 disbursed Mon 01-06: Tue 7, Wed 8, Thu 9, Fri 10, (weekend) Mon 13, Tue 14, Wed 15 =
    # 7th working day; IW1 on 01-16 is 1 day late
    _check(owed, "fund_flow:F1", "2025-01-15", "late", "IW1", 1)
    # H1 disbursed Fri 01-24: Sun 26 (make-up) 1, Mon 27 2, 28 Jan - 4 Feb holidays, Wed 5 3,
    # Thu 6 4, Fri 7 5, Sat 8 (make-up) 6, Mon 10 7; IWH on 02-10 is on time
    _check(owed, "fund_flow:H1", "2025-02-10", "on_time", "IWH")
    # F2 has no fund-flow inspection: due Wed 01-15 too; overdue 16 + 28+31+30+31+30+31+31+30
    _check(owed, "fund_flow:F2", "2025-01-15", "overdue", None, 258)


def test_routine_chain_with_two_missed_intervals(owed: pd.DataFrame) -> None:
    # C3 (BB: 60 days), anchor = disbursement 01-02. Step 1 due 01-02 + 60 = 03-03. Nothing
    # until IR3a on 07-10 > 03-03 + 60 = 05-02, so step 2 (trigger 03-03) falls due 05-02, and
    # as 07-10 > 05-02 + 60 = 07-01, step 3 (trigger 05-02) falls due 07-01. IR3a satisfies the
    # earliest open one, step 1: 129 days late (28 + 30 + 31 + 30 + 10); steps 2 and 3 stay
    # missed: 09-30 - 05-02 = 151, 09-30 - 07-01 = 91 days overdue.
    owed_c3 = owed[(owed.customer_id == "C3") & (owed.kind == "routine")]
    assert len(owed_c3) == 5
    _check(owed, "routine:C3:2025-01-02", "2025-03-03", "late", "IR3a", 129)
    _check(owed, "routine:C3:2025-03-03", "2025-05-02", "overdue", None, 151)
    _check(owed, "routine:C3:2025-05-02", "2025-07-01", "overdue", None, 91)
    # anchor IR3a 07-10: due 07-10 + 60 = 09-08; IR3b on 09-01 on time; then 09-01 + 60 = 10-31
    row = _check(owed, "routine:C3:2025-07-10", "2025-09-08", "on_time", "IR3b")
    assert row.trigger_date.date() == date(2025, 7, 10)
    _check(owed, "routine:C3:2025-09-01", "2025-10-31", "pending")


def test_phone_does_not_satisfy_corporate_routine(owed: pd.DataFrame) -> None:
    # C1 (AAA: 180 days): 01-06 + 180 = 07-05. The phone inspection IP1 (06-01) does not count
    # for a corporate customer; onsite IR1 on 07-20 is 15 days late. Next: 07-20 + 180 =
    # 2026-01-16, pending.
    _check(owed, "routine:C1:2025-01-06", "2025-07-05", "late", "IR1", 15)
    _check(owed, "routine:C1:2025-07-20", "2026-01-16", "pending")
    assert "IP1" not in set(owed.inspection_id.dropna())


def test_special_from_overdue_episodes_and_red_signal(owed: pd.DataFrame) -> None:
    # S1 episode 1 at 03-31 (dpd 10 after 0): trigger 03-31 - 10 + 1 = 03-22, due 03-25; April
    # (dpd 40) is the same episode. IS1 03-24 on time.
    _check(owed, "special:overdue:S1:2025-03-31", "2025-03-25", "on_time", "IS1")
    # episode 2 at 06-30 (dpd 5 after 0): trigger 06-26, due 06-29; IS2 06-27 on time
    _check(owed, "special:overdue:S1:2025-06-30", "2025-06-29", "on_time", "IS2")
    # red W1 08-01: due 08-04; IS3 08-06 is 2 days late. Yellow W2 owes nothing.
    _check(owed, "special:signal:W1", "2025-08-04", "late", "IS3", 2)
    assert "special:signal:W2" not in owed.index
    assert (owed.kind == "special").sum() == 3


def test_collateral_revaluation(owed: pd.DataFrame) -> None:
    # K1 appraised 2024-06-10: due + 365 = 2025-06-10; the new appraisal 2025-06-20 satisfies it
    # 10 days late (no inspection); that one is due 2026-06-20, pending.
    row = _check(owed, "collateral:K1:2024-06-10", "2025-06-10", "late", None, 10)
    assert row.satisfied_date.date() == date(2025, 6, 20)
    _check(owed, "collateral:K1:2025-06-20", "2026-06-20", "pending")
    # K2 appraised 2024-09-01: due 2025-09-01; collateral inspection IK2 08-15 on time
    _check(owed, "collateral:K2:2024-09-01", "2025-09-01", "on_time", "IK2")


def test_each_inspection_satisfies_at_most_one_per_kind(owed: pd.DataFrame) -> None:
    used = owed.dropna(subset=["inspection_id"]).groupby(["kind", "inspection_id"]).size()
    assert used.max() == 1


def test_responsibility_moves_with_handover(owed: pd.DataFrame) -> None:
    # F1's first (due 01-13, before its first snapshot) takes the first snapshot: E1 (Jan–Mar).
    # C1's routine due 07-05: latest snapshot on or before, 06-30, has E2; so does 2026-01-16.
    assert _row(owed, "first:F1").manager_id == "E1"
    assert _row(owed, "routine:C1:2025-01-06").manager_id == "E2"
    assert _row(owed, "routine:C1:2025-01-06").org_id == "SB1"
    assert _row(owed, "routine:C3:2025-01-02").org_id == "SB2"


def test_compliance(con: duckdb.DuckDBPyConnection) -> None:
    # C3 (the only individual_business) due in (2024-12-31, 09-30]: first 01-09 (overdue 264),
    # fund flow Thu 01-02 + 7 working days = 01-13 (overdue 260), routine 03-03 (late 129),
    # 05-02 and 07-01 (overdue), 09-08 (on time); 10-31 is not yet due.
    got = ob.compliance(
        con,
        Scope("HO", customer_type="individual_business"),
        date(2024, 12, 31),
        AS_OF,
        AS_OF,
        RULES,
    )
    assert (got.due, got.on_time, got.late, got.overdue) == (6, 1, 1, 4)
    assert got.on_time_rate == pytest.approx(1 / 6)
    assert got.completion_rate == pytest.approx(2 / 6)
    assert got.average_days_late == pytest.approx(129)
    assert (got.overdue_backlog, got.oldest_days_overdue) == (4, 264)
    # an empty period has no rates
    empty = ob.compliance(con, Scope("SB2"), date(2023, 1, 1), date(2023, 6, 30), AS_OF, RULES)
    assert (empty.due, empty.on_time_rate, empty.completion_rate) == (0, None, None)


def test_obligations_due_in_a_period(con: duckdb.DuckDBPyConnection) -> None:
    # the six obligations test_compliance counts, in due order, with their status at 09-30;
    # routine 10-31 is due after the period
    got = ob.obligations_due(
        con,
        Scope("HO", customer_type="individual_business"),
        date(2024, 12, 31),
        AS_OF,
        RULES,
    )
    assert list(zip(got.kind, got.due_date.dt.date, got.status, strict=True)) == [
        ("first", date(2025, 1, 9), "overdue"),
        ("fund_flow", date(2025, 1, 13), "overdue"),
        ("routine", date(2025, 3, 3), "late"),
        ("routine", date(2025, 5, 2), "overdue"),
        ("routine", date(2025, 7, 1), "overdue"),
        ("routine", date(2025, 9, 8), "on_time"),
    ]
    assert got.days_late.dropna().tolist() == [129]


def test_report_quality(con: duckdb.DuckDBPyConnection) -> None:
    # E3's inspections in (06-30, 09-30]: IR3a Thu 07-10, report 07-17 = 5 working days (11,
    # 14, 15, 16, 17) with reviewer E9: good; IR3b has no report: listed.
    got = ob.report_quality(con, Scope("HO", manager_id="E3"), date(2025, 6, 30), AS_OF, RULES)
    assert (got.inspections, got.good, got.share_good) == (2, 1, 0.5)
    assert (got.without_report, got.late_report, got.without_reviewer) == (1, 0, 1)
    issues = ob.report_issues(con, Scope("HO", manager_id="E3"), date(2025, 6, 30), AS_OF, RULES)
    assert list(issues.inspection_id) == ["IR3b"]
    assert issues.without_report.tolist() == [True]
    # four working days allowed: IR3a's report (5) is late; from the aggregate (no loan filter)
    # and from the rows (a customer-type filter) alike
    stricter = RULES.model_copy(update={"report_due_working_days": 4})
    for scope in (Scope("SB2"), Scope("SB2", customer_type="individual_business")):
        got = ob.report_quality(con, scope, date(2025, 6, 30), AS_OF, stricter)
        assert (got.good, got.late_report, got.without_report) == (0, 1, 1)


def test_compliance_from_the_aggregate(con: duckdb.DuckDBPyConnection) -> None:
    # SB2 books only C3: the same figures as test_compliance, now from agg_obligation_month
    got = ob.compliance(con, Scope("SB2"), date(2024, 12, 31), AS_OF, AS_OF, RULES)
    assert (got.due, got.on_time, got.late, got.overdue) == (6, 1, 1, 4)
    assert got.average_days_late == pytest.approx(129)
    assert (got.overdue_backlog, got.oldest_days_overdue) == (4, 264)
    by_manager = ob.compliance_by_manager(
        con, Scope("SB2"), date(2024, 12, 31), AS_OF, AS_OF, RULES
    )
    assert by_manager[["manager_id", "due", "on_time"]].values.tolist() == [["E3", 6, 1]]
    # at 2025-06-30 IR3a (07-10) has not happened: routine 03-03 is overdue, not late
    june = ob.compliance(
        con, Scope("SB2"), date(2024, 12, 31), date(2025, 6, 30), date(2025, 6, 30), RULES
    )
    assert (june.due, june.on_time, june.late, june.overdue) == (4, 0, 0, 4)


def test_overdue_backlog_and_due_soon(con: duckdb.DuckDBPyConnection) -> None:
    # C3 at 09-30, most overdue first: first (01-09, 264 days), fund flow (01-13, 260), the
    # missed routine intervals (05-02: 151, 07-01: 91)
    backlog = ob.overdue_backlog(con, Scope("SB2"), AS_OF, RULES)
    assert backlog.obligation_id.tolist() == [
        "first:R1",
        "fund_flow:R1",
        "routine:C3:2025-03-03",
        "routine:C3:2025-05-02",
    ]
    assert backlog.days_overdue.tolist() == [264, 260, 151, 91]
    assert backlog.customer_name.unique().tolist() == ["客户C3"]
    assert len(ob.overdue_backlog(con, Scope("SB2"), AS_OF, RULES, limit=2)) == 2
    # the routine obligation triggered by IR3b (09-01) falls due 10-31: 31 days after 09-30
    soon = ob.due_soon(con, Scope("SB2"), AS_OF, 31, RULES)
    assert soon.obligation_id.tolist() == ["routine:C3:2025-09-01"]
    assert ob.due_soon(con, Scope("SB2"), AS_OF, 30, RULES).empty


def test_rule_change_recomputes(con: duckdb.DuckDBPyConnection) -> None:
    # BB every 30 days instead of 60: C3's chain has more steps (recomputed from the facts, as
    # fct_obligation was built with the default rules)
    shorter = RULES.model_copy(
        update={"routine_interval_days": {**RULES.routine_interval_days, "BB": 30}}
    )
    scope = Scope("SB2")
    before = ob.obligations(con, scope, AS_OF, RULES)
    after = ob.obligations(con, scope, AS_OF, shorter)
    assert (after.kind == "routine").sum() > (before.kind == "routine").sum()
    # step 1 is now due 01-02 + 30 = 02-01
    assert after.set_index("obligation_id").loc["routine:C3:2025-01-02"].due_date.date() == (
        date(2025, 2, 1)
    )


# -- demo bank ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_con(demo_bank: DemoBank) -> Iterator[duckdb.DuckDBPyConnection]:
    materialise(demo_bank.settings)
    connection = Warehouse(demo_bank.settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


def test_materialised_equals_recomputed(demo_con: duckdb.DuckDBPyConnection) -> None:
    order = "ORDER BY obligation_id"
    table = demo_con.execute(f"SELECT * FROM fct_obligation {order}").df()
    derived = demo_con.execute(
        f"SELECT * FROM ({DERIVE_OBLIGATIONS}) {order}", rule_params(RULES)
    ).df()
    assert len(table) > 100_000
    pd.testing.assert_frame_equal(table, derived, check_dtype=False)


@pytest.mark.parametrize("org", ["root", "BR01-S01"])
def test_aggregate_groupings_equal_the_rows(demo_con: duckdb.DuckDBPyConnection, org: str) -> None:
    """Per manager, per child org and per month, the aggregate's figures equal those counted
    from the obligation rows with their status (pandas, from the definition)."""
    root = demo_con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchone()[0]
    scope = Scope(root if org == "root" else org)
    as_of = date(2025, 6, 30)
    start = date(2024, 12, 31)
    # (a loan never delivered in a snapshot has no manager: its obligations group under "-")
    rows = ob.obligations(demo_con, scope, as_of, RULES).fillna({"manager_id": "-"})
    in_period = rows[(rows.due_date.dt.date > start) & (rows.due_date.dt.date <= as_of)]
    expected = (
        in_period.groupby("manager_id")
        .status.value_counts()
        .unstack(fill_value=0)
        .reindex(columns=["on_time", "late", "overdue", "pending"], fill_value=0)
    )
    got = (
        ob.compliance_by_manager(demo_con, scope, start, as_of, as_of, RULES)
        .fillna({"manager_id": "-"})
        .set_index("manager_id")
    )
    got = got[got.due > 0]
    assert sorted(got.index) == sorted(expected.index)
    for manager, row in expected.iterrows():
        assert got.loc[manager, ["on_time", "late", "overdue"]].tolist() == [
            row.on_time,
            row.late,
            row.overdue,
        ], manager
        assert got.loc[manager, "due"] == row.sum()
    backlog = (rows.status == "overdue").groupby(rows.manager_id).sum()
    assert got.overdue_backlog.sum() <= backlog.sum()
    total = ob.compliance(demo_con, scope, start, as_of, as_of, RULES)
    assert total.overdue_backlog == backlog.sum()
    by_org = ob.compliance_by_org(demo_con, scope, start, as_of, as_of, RULES)
    trend = ob.compliance_trend(demo_con, scope, start, as_of, as_of, RULES)
    for frame in (by_org, trend):
        assert frame.due.sum() == total.due == len(in_period)
        assert frame.on_time.sum() == total.on_time


def test_stored_backlog_is_the_overdue_obligations_at_every_month_end(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """The backlog the §5 figures read from agg_obligation_backlog is, at every month end, for
    a sub-branch and a branch, per manager and per kind, the obligations due before the month
    end and not satisfied by it (METRICS.md §5 overdue), counted from fct_obligation in pandas;
    and a month end past the horizon, which the table does not hold, is counted as well."""
    owed = demo_con.execute(
        "SELECT o.*, b.ancestor_org_id FROM fct_obligation AS o "
        "JOIN bridge_org_subtree AS b ON b.org_id = o.org_id"
    ).df()
    months = [
        d for (d,) in demo_con.sql("SELECT DISTINCT as_of_date FROM fct_loan_snapshot").fetchall()
    ]
    assert demo_con.execute("SELECT count(*) FROM agg_obligation_backlog").fetchone()[0] > 0
    horizon = max(months)
    for as_of in [*sorted(months), date(horizon.year + 1, 1, 31)]:
        stored = as_of <= horizon
        assert ob._backlog_stored(demo_con, as_of) is stored
        due = owed.due_date.dt.date
        done = owed.satisfied_date.dt.date
        overdue = owed[(due < as_of) & ~(done <= as_of)]
        for org in ("BR01-S01", "BR02"):
            mine = overdue[overdue.ancestor_org_id == org]
            start = date(as_of.year - 1, 12, 31)
            by_kind = ob.compliance_by_kind(demo_con, Scope(org), start, as_of, as_of, RULES)
            got = by_kind.set_index("kind").overdue_backlog
            expected = mine.groupby("kind").size()
            assert got[got > 0].to_dict() == expected.to_dict(), (as_of, org)
            by_manager = ob.compliance_by_manager(demo_con, Scope(org), start, as_of, as_of, RULES)
            got = by_manager.fillna({"manager_id": "-"}).set_index("manager_id")
            expected = (
                mine.fillna({"manager_id": "-"}).groupby("manager_id").due_date.agg(["size", "min"])
            )
            assert got.overdue_backlog[got.overdue_backlog > 0].to_dict() == (
                expected["size"].to_dict()
            ), (as_of, org)
            oldest = {m: (as_of - d.date()).days for m, d in expected["min"].items()}
            assert got.oldest_days_overdue.dropna().to_dict() == oldest, (as_of, org)


def test_diligent_managers_are_more_on_time_than_lax(
    demo_bank: DemoBank, demo_con: duckdb.DuckDBPyConnection
) -> None:
    with open(demo_bank.extract / "_truth" / "manager_diligence.csv", encoding="utf-8") as fh:
        profile = {r["staff_id"]: r["profile"] for r in csv.DictReader(fh)}
    as_of = demo_con.execute("SELECT max(as_of_date) FROM fct_loan_snapshot").fetchone()[0]
    root = demo_con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchone()[0]
    owed = ob.obligations(demo_con, Scope(root), as_of, RULES)
    owed = owed[owed.status != "pending"].assign(profile=owed.manager_id.map(profile))
    rate = owed.groupby("profile").status.apply(lambda s: (s == "on_time").mean())
    assert rate["diligent"] > rate["lax"] + 0.1, rate


def test_derivation_time(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Prints how long deriving every obligation takes, and the compliance of the whole bank
    from fct_obligation (run with -s to see it)."""
    root = demo_con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchone()[0]
    as_of = demo_con.execute("SELECT max(as_of_date) FROM fct_loan_snapshot").fetchone()[0]
    started = time.perf_counter()
    count = demo_con.execute(
        f"SELECT count(*) FROM ({DERIVE_OBLIGATIONS})", rule_params(RULES)
    ).fetchone()[0]
    derived = time.perf_counter() - started
    started = time.perf_counter()
    ob.compliance(demo_con, Scope(root), date(as_of.year, 1, 1), as_of, as_of, RULES)
    print(
        f"\nderive {count:,} obligations: {derived:.2f} s; "
        f"whole-bank compliance: {1000 * (time.perf_counter() - started):.0f} ms"
    )
    assert count > 0
