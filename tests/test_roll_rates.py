"""METRICS.md §3 (buckets, transition matrix, flow/entry/cure rates) on a hand-made extract.

The extract goes through the real ETL (write_extract + load_extract), which also builds the
load-time aggregates the metric functions read. Default bucket edges 30/60/…/180: M0 = dpd 0,
M1 = 1–30, M2 = 31–60, M3 = 61–90, M4 = 91–120, …, M7+ over 180.

Loans (org · customer · manager), balance/dpd at each month end; "—" = no row:

    loan org customer   2025-01-31        2025-02-28              2025-03-31
    R01  SB1 C1 corp E1  100,000 d0  M0    90,000 d0   M0          80,000 d0   M0
    R02  SB1 C2 indv E1  100,000 d0  M0   100,000 d0   M0         100,000 d0   M0
    R03  SB1 C2 indv E1  200,000 d0  M0   190,000 d20  M1 (paid)  185,000 d50  M2
    R04  SB2 C1 corp E2   50,000 d0  M0    50,000 d45  M2 (skip)   50,000 d75  M3
    R05  SB1 C2 indv E1   80,000 d10 M1    75,000 d0   M0 (cure)   70,000 d0   M0
    R06  SB2 C3 ib   E2   60,000 d25 M1    54,000 d55  M2 (paid)   50,000 d0   M0 (cure M2)
    R07  SB1 C2 indv E1   40,000 d5  M1    settled 0               —
    R08  SB2 C3 ib   E2   30,000 d200 M7+  written_off 0           —
    R09  SB2 C3 ib   E2   70,000 d75 M3    transferred 0           —
    R10  SB2 C1 corp E2   20,000 d40 M2    20,000 d70  M3          20,000 d100 M4
    R11  SB1 C2 indv E1   10,000 d0  M0    active 0 (repaid to 0)  settled 0
    R12  SB2 C3 ib   E2   15,000 d0  M0    — (no row: settled)     —
    R13  SB2 C3 ib   E2   —                300,000 d0  M0 (new)   300,000 d15 M1

Products: R01 R10 working_capital · R04 fixed_asset · C2's loans personal_consumer · C3's
personal_business. 2024-12-31 is not in the data, so January has no transitions.
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from demo_scopes import demo_manager_scopes, demo_scopes
from extract_builder import copy_tables, write_extract
from fixtures_asset_quality import loan_level_copy
from fixtures_demo import DemoBank

from daihou.settings import AssetQualityRules, Settings
from etl.load import load_extract
from metrics import roll_rates
from metrics.scope import SCOPED_LOANS, SNAPSHOT_MANAGER_FILTER, Scope
from warehouse.connection import Warehouse

JAN, FEB, MAR = date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)
TODAY = date(2026, 1, 15)
RULES = AssetQualityRules()

# loan_id: customer, org, product, contract amount, disbursement date
LOANS = {
    "R01": ("C1", "SB1", "working_capital", "100000", "2024-06-10"),
    "R02": ("C2", "SB1", "personal_consumer", "120000", "2024-05-10"),
    "R03": ("C2", "SB1", "personal_consumer", "200000", "2024-07-10"),
    "R04": ("C1", "SB2", "fixed_asset", "60000", "2024-03-10"),
    "R05": ("C2", "SB1", "personal_consumer", "90000", "2024-04-10"),
    "R06": ("C3", "SB2", "personal_business", "60000", "2024-08-10"),
    "R07": ("C2", "SB1", "personal_consumer", "50000", "2024-02-10"),
    "R08": ("C3", "SB2", "personal_business", "30000", "2023-02-10"),
    "R09": ("C3", "SB2", "personal_business", "80000", "2023-09-10"),
    "R10": ("C1", "SB2", "working_capital", "20000", "2024-01-10"),
    "R11": ("C2", "SB1", "personal_consumer", "20000", "2024-09-10"),
    "R12": ("C3", "SB2", "personal_business", "15000", "2024-10-10"),
    "R13": ("C3", "SB2", "personal_business", "300000", "2025-02-10"),
}

# loan_id: [(month end, balance, dpd, status)]
SNAPSHOTS = {
    "R01": [(JAN, 100000, 0, "active"), (FEB, 90000, 0, "active"), (MAR, 80000, 0, "active")],
    "R02": [(JAN, 100000, 0, "active"), (FEB, 100000, 0, "active"), (MAR, 100000, 0, "active")],
    "R03": [(JAN, 200000, 0, "active"), (FEB, 190000, 20, "active"), (MAR, 185000, 50, "active")],
    "R04": [(JAN, 50000, 0, "active"), (FEB, 50000, 45, "active"), (MAR, 50000, 75, "active")],
    "R05": [(JAN, 80000, 10, "active"), (FEB, 75000, 0, "active"), (MAR, 70000, 0, "active")],
    "R06": [(JAN, 60000, 25, "active"), (FEB, 54000, 55, "active"), (MAR, 50000, 0, "active")],
    "R07": [(JAN, 40000, 5, "active"), (FEB, 0, 0, "settled")],
    "R08": [(JAN, 30000, 200, "active"), (FEB, 0, 200, "written_off")],
    "R09": [(JAN, 70000, 75, "active"), (FEB, 0, 75, "transferred")],
    "R10": [(JAN, 20000, 40, "active"), (FEB, 20000, 70, "active"), (MAR, 20000, 100, "active")],
    "R11": [(JAN, 10000, 0, "active"), (FEB, 0, 0, "active"), (MAR, 0, 0, "settled")],
    "R12": [(JAN, 15000, 0, "active")],
    "R13": [(FEB, 300000, 0, "active"), (MAR, 300000, 15, "active")],
}


def extract_tables() -> dict[str, list[dict[str, str]]]:
    """The tiny bank's orgs, staff and customers with the loans and snapshots above."""
    tables = copy_tables()
    manager = {"SB1": "E1", "SB2": "E2"}
    tables["loans"] = [
        {
            "loan_id": loan_id,
            "customer_id": customer,
            "org_id": org,
            "product": product,
            "contract_amount": amount,
            "disbursement_date": disbursed,
            "maturity_date": "2028-12-31",
            "interest_rate": "5.0",
            "guarantee_type": "credit",
            "payment_mode": "entrusted",
            "purpose": "",
        }
        for loan_id, (customer, org, product, amount, disbursed) in LOANS.items()
    ]
    tables["loan_snapshots"] = [
        {
            "as_of_date": as_of.isoformat(),
            "loan_id": loan_id,
            "manager_id": manager[LOANS[loan_id][1]],
            "balance": str(balance),
            "classification": "normal" if dpd == 0 else "special_mention" if dpd <= 90 else "loss",
            "days_past_due": str(dpd),
            "overdue_principal": "0",
            "interest_arrears": "0",
            "status": status,
        }
        for loan_id, rows in SNAPSHOTS.items()
        for as_of, balance, dpd, status in rows
    ]
    tables["inspections"] = [r for r in tables["inspections"] if not r["loan_id"]]
    for optional in ("warning_signals", "collateral", "collection_actions", "repayments"):
        del tables[optional]
    return tables


def load(tmp: Path, rules: AssetQualityRules) -> Path:
    settings = Settings(data_dir=tmp, warehouse=tmp / "wh.duckdb", asset_quality=rules)
    summary = load_extract(write_extract(tmp / "extract", extract_tables()), settings, today=TODAY)
    assert summary.rows_rejected == 0
    return settings.warehouse_path


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(load(tmp_path_factory.mktemp("roll"), RULES)).connect_read_only()
    yield connection
    connection.close()


def matrix(
    con: duckdb.DuckDBPyConnection, scope: Scope, month: date, rules: AssetQualityRules = RULES
) -> dict:
    """The transition matrix as {(from_bucket, to_state): (count, balance, shares)}."""
    frame = roll_rates.transition_matrix(con, scope, month, rules)
    return {
        (r.from_bucket, r.to_state): (r.loan_count, r.balance, r.count_share, r.balance_share)
        for r in frame.itertuples()
    }


def test_february_matrix_at_head_office(con: duckdb.DuckDBPyConnection) -> None:
    m = matrix(con, Scope("HO"), FEB)
    # Rows: loans on the book at 2025-01-31 (R13 is new in February: in no row).
    # M0 row: R01 100,000 · R02 100,000 · R03 200,000 · R04 50,000 · R11 10,000 · R12 15,000
    #         = 6 loans, 475,000
    assert m["M0", "M0"] == (2, 200000.0, 2 / 6, 200000 / 475000)  # R01, R02
    assert m["M0", "M1"] == (1, 200000.0, 1 / 6, 200000 / 475000)  # R03
    assert m["M0", "M2"] == (1, 50000.0, 1 / 6, 50000 / 475000)  # R04 skips M1: shown as is
    # R11 repaid to 0 (still active) and R12 has no row at t: both settled
    assert m["M0", "settled"] == (2, 25000.0, 2 / 6, 25000 / 475000)
    # M1 row: R05 80,000 · R06 60,000 · R07 40,000 = 3 loans, 180,000
    assert m["M1", "M0"] == (1, 80000.0, 1 / 3, 80000 / 180000)  # R05 cured
    assert m["M1", "M2"] == (1, 60000.0, 1 / 3, 60000 / 180000)  # R06, balance at t−1
    assert m["M1", "settled"] == (1, 40000.0, 1 / 3, 40000 / 180000)  # R07
    assert m["M2", "M3"] == (1, 20000.0, 1.0, 1.0)  # R10
    assert m["M3", "transferred"] == (1, 70000.0, 1.0, 1.0)  # R09
    assert m["M7+", "written_off"] == (1, 30000.0, 1.0, 1.0)  # R08
    assert len(m) == 10


def test_matrix_is_ordered_by_bucket_then_state(con: duckdb.DuckDBPyConnection) -> None:
    frame = roll_rates.transition_matrix(con, Scope("HO"), FEB, RULES)
    assert list(frame.columns) == roll_rates.MATRIX_COLUMNS
    assert list(zip(frame.from_bucket, frame.to_state, strict=True))[:4] == [
        ("M0", "M0"),
        ("M0", "M1"),
        ("M0", "M2"),
        ("M0", "settled"),
    ]
    assert list(frame.from_bucket.unique()) == ["M0", "M1", "M2", "M3", "M7+"]


def test_february_flow_rates_at_head_office(con: duckdb.DuckDBPyConnection) -> None:
    f = roll_rates.flow_rates(con, Scope("HO"), FEB, RULES)
    assert (f.month, f.previous_month) == (FEB, JAN)
    assert [(x.from_bucket, x.to_bucket) for x in f.flows] == [
        ("M0", "M1"),
        ("M1", "M2"),
        ("M2", "M3"),
        ("M3", "M4"),
        ("M4", "M5"),
        ("M5", "M6"),
        ("M6", "M7+"),
    ]
    # M0 → M1: R03's balance AT t, 190,000, over M0's balance at t−1, 475,000; by count 1/6.
    # R04 (M0 → M2) is in neither: the flow counts only the next bucket.
    assert f.flow_rate_m0_m1 == 190000 / 475000  # 0.4
    assert f.flows[0].by_count == 1 / 6
    # M1 → M2: R06 54,000 at t / M1 at t−1 180,000 (R05 80,000 + R06 60,000 + R07 40,000)
    assert f.flow_rate_m1_m2 == 54000 / 180000  # 0.3
    assert f.flows[1].by_count == 1 / 3
    # M2 → M3: R10 20,000 / 20,000
    assert f.flow_rate_m2_m3 == 1.0
    assert f.flows[2].by_count == 1.0
    # M3 → M4: R09 (M3) was transferred: 0 / 70,000 = 0, a figure, not None
    assert f.flow_rate_m3_m4 == 0.0
    assert f.flows[3].by_count == 0.0
    # No loan in M4, M5 or M6 at t−1: zero denominators
    assert [(x.by_balance, x.by_count) for x in f.flows[4:]] == [(None, None)] * 3
    # Entry: M0 at t−1 and M1 or worse at t: R03 190,000 + R04 (skip to M2) 50,000 at t
    assert f.entry_rate == 240000 / 475000  # 0.505263…
    # Cure: M1 → M0 count 1 (R05) / M1 count 3
    assert f.cure_rate_m1 == 1 / 3


def test_march_flow_rates(con: duckdb.DuckDBPyConnection) -> None:
    f = roll_rates.flow_rates(con, Scope("HO"), MAR, RULES)
    # On the book at 2025-02-28: M0 R01 90,000 · R02 100,000 · R05 75,000 · R13 300,000
    # (= 565,000, 4 loans); M1 R03 190,000; M2 R04 50,000 · R06 54,000 (= 104,000); M3 R10
    # 20,000. R11 (active, balance 0) is not on the book.
    assert f.flow_rate_m0_m1 == 300000 / 565000  # R13 → M1
    assert f.flows[0].by_count == 1 / 4
    assert f.flow_rate_m1_m2 == 185000 / 190000  # R03 → M2 with 185,000 at t
    assert f.flow_rate_m2_m3 == 50000 / 104000  # R04 → M3; R06 cured to M0
    assert f.flows[2].by_count == 1 / 2
    assert f.flow_rate_m3_m4 == 1.0  # R10
    assert f.entry_rate == 300000 / 565000
    assert f.cure_rate_m1 == 0.0  # R03 did not cure: 0 / 1


def test_month_without_previous_month_end_has_no_transitions(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # 2024-12-31 is not in the data: January has no rows, and every rate is None.
    assert roll_rates.transition_matrix(con, Scope("HO"), JAN, RULES).empty
    f = roll_rates.flow_rates(con, Scope("HO"), JAN, RULES)
    assert f.entry_rate is None and f.cure_rate_m1 is None
    assert all(x.by_balance is None and x.by_count is None for x in f.flows)
    # Nor does a month after the data (2025-04: no snapshots at t).
    assert roll_rates.transition_matrix(con, Scope("HO"), date(2025, 4, 30), RULES).empty


def test_any_day_of_the_month_names_it(con: duckdb.DuckDBPyConnection) -> None:
    assert roll_rates.flow_rates(con, Scope("HO"), date(2025, 2, 3), RULES) == (
        roll_rates.flow_rates(con, Scope("HO"), FEB, RULES)
    )


def test_sub_branch_scope(con: duckdb.DuckDBPyConnection) -> None:
    f = roll_rates.flow_rates(con, Scope("SB1"), FEB, RULES)
    # SB1 at t−1: M0 R01 100,000 · R02 100,000 · R03 200,000 · R11 10,000 = 410,000 (4 loans);
    # M1 R05 80,000 · R07 40,000 = 120,000 (2 loans)
    assert f.flow_rate_m0_m1 == 190000 / 410000  # R03 at t
    assert f.entry_rate == 190000 / 410000
    assert f.flow_rate_m1_m2 == 0.0  # nobody rolled: 0 / 120,000
    assert f.cure_rate_m1 == 1 / 2  # R05 of R05, R07
    assert f.flow_rate_m2_m3 is None  # SB1 has nothing in M2


def test_customer_type_filter_sees_the_skip_in_entry_only(con: duckdb.DuckDBPyConnection) -> None:
    f = roll_rates.flow_rates(con, Scope("HO", customer_type="corporate"), FEB, RULES)
    # Corporate (C1): R01 M0 100,000 · R04 M0 50,000 · R10 M2 20,000 at t−1.
    # R04 goes M0 → M2: not M0 → M1, so that flow is 0 / 150,000 …
    assert f.flow_rate_m0_m1 == 0.0
    # … but it entered collection: 50,000 / 150,000
    assert f.entry_rate == 50000 / 150000
    assert f.cure_rate_m1 is None  # no M1 loan at t−1
    assert f.flow_rate_m2_m3 == 1.0  # R10


def test_product_filter(con: duckdb.DuckDBPyConnection) -> None:
    m = matrix(con, Scope("HO", product="working_capital"), FEB)
    # working_capital: R01 (M0 → M0, 100,000 at t−1) and R10 (M2 → M3, 20,000)
    assert m == {("M0", "M0"): (1, 100000.0, 1.0, 1.0), ("M2", "M3"): (1, 20000.0, 1.0, 1.0)}
    f = roll_rates.flow_rates(con, Scope("HO", product="working_capital"), FEB, RULES)
    assert f.entry_rate == 0.0  # 0 / 100,000


def test_empty_scope_has_no_figures(con: duckdb.DuckDBPyConnection) -> None:
    scope = Scope("SB1", product="mortgage")
    assert roll_rates.transition_matrix(con, scope, FEB, RULES).empty
    f = roll_rates.flow_rates(con, scope, FEB, RULES)
    assert f.entry_rate is None and f.cure_rate_m1 is None
    assert {f.flow_rate_m0_m1, f.flow_rate_m1_m2, f.flow_rate_m2_m3, f.flow_rate_m3_m4} == {None}


@pytest.mark.parametrize(("manager", "org"), [("E1", "SB1"), ("E2", "SB2")])
@pytest.mark.parametrize("month", [FEB, MAR])
def test_manager_scope_equals_its_sub_branch(
    con: duckdb.DuckDBPyConnection, manager: str, org: str, month: date
) -> None:
    # A manager scope is answered from agg_bucket_manager_transition; every SB1 loan is E1's,
    # every SB2 loan E2's, so it must give exactly what agg_bucket_transition gives for the
    # sub-branch.
    by_manager = Scope("HO", manager_id=manager)
    assert roll_rates.flow_rates(con, by_manager, month, RULES) == roll_rates.flow_rates(
        con, Scope(org), month, RULES
    )
    assert roll_rates.transition_matrix(con, by_manager, month, RULES).equals(
        roll_rates.transition_matrix(con, Scope(org), month, RULES)
    )


def test_manager_scope_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    f = roll_rates.flow_rates(con, Scope("HO", manager_id="E2"), FEB, RULES)
    # E2 at t−1: M0 R04 50,000 · R12 15,000 = 65,000; M1 R06 60,000; M2 R10; M3 R09; M7+ R08
    assert f.flow_rate_m0_m1 == 0.0  # R04 skipped to M2
    assert f.entry_rate == 50000 / 65000
    assert f.flow_rate_m1_m2 == 54000 / 60000  # R06 at t / at t−1
    assert f.cure_rate_m1 == 0.0


def test_trend_has_one_row_per_month_in_the_window(con: duckdb.DuckDBPyConnection) -> None:
    trend = roll_rates.flow_rate_trend(con, Scope("HO"), date(2024, 12, 31), MAR, RULES)
    assert [d.date() for d in trend.month_end] == [JAN, FEB, MAR]
    assert list(trend.columns[:3]) == ["month_end", "flow_rate_m0_m1", "flow_rate_m0_m1_by_count"]
    assert list(trend.columns[-4:]) == [
        "flow_rate_m6_m7",
        "flow_rate_m6_m7_by_count",
        "entry_rate",
        "cure_rate_m1",
    ]
    jan, feb, mar = (row._asdict() for row in trend.itertuples(index=False))
    assert all(pd.isna(v) for k, v in jan.items() if k != "month_end")  # no 2024-12-31
    assert feb["flow_rate_m0_m1"] == 190000 / 475000
    assert feb["flow_rate_m1_m2_by_count"] == 1 / 3
    assert feb["entry_rate"] == 240000 / 475000
    assert mar["flow_rate_m2_m3"] == 50000 / 104000
    assert mar["cure_rate_m1"] == 0.0
    # (start, end]: the start month itself is not a row
    later = roll_rates.flow_rate_trend(con, Scope("HO"), JAN, MAR, RULES)
    assert [d.date() for d in later.month_end] == [FEB, MAR]
    # each row is that month's flow_rates()
    figures = roll_rates.flow_rates(con, Scope("HO"), MAR, RULES).figures()
    row = later.iloc[1].drop("month_end").to_dict()
    assert {k: None if pd.isna(v) else v for k, v in row.items()} == figures


def test_bucket_edges_come_from_the_settings(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rules = AssetQualityRules(bucket_upper_edges=[30, 90])  # M0 · M1 1–30 · M2 31–90 · M3+
    with Warehouse(load(tmp_path, rules)).connect_read_only() as wide:
        m = matrix(wide, Scope("HO"), FEB, rules)
        # M2 (31–90) at t−1: R10 dpd 40 (20,000; dpd 70 at t: stays M2) and R09 dpd 75
        # (70,000, transferred) = 2 loans, 90,000. R08 dpd 200 is M3+.
        assert m["M2", "M2"] == (1, 20000.0, 1 / 2, 20000 / 90000)
        assert m["M2", "transferred"][0] == 1
        assert m["M3+", "written_off"][0] == 1
        f = roll_rates.flow_rates(wide, Scope("HO"), FEB, rules)
        assert [x.to_bucket for x in f.flows] == ["M1", "M2", "M3+"]
        assert f.flow_rate_m2_m3 == 0.0  # M2 → M3+: nobody, of 90,000
        assert f.flow_rate_m3_m4 is None  # no such flow with two edges
        # Rules other than the load's are answered from the loan rows, never from aggregates
        # built with other edges: the default edges give the default figures.
        assert roll_rates.flow_rates(wide, Scope("HO"), FEB, RULES) == roll_rates.flow_rates(
            con, Scope("HO"), FEB, RULES
        )
        assert roll_rates.transition_matrix(wide, Scope("HO"), MAR, RULES).equals(
            roll_rates.transition_matrix(con, Scope("HO"), MAR, RULES)
        )


def test_warehouse_without_aggregates(tiny_bank: Path) -> None:
    # The tiny bank is written straight into the tables (no load, no aggregates): the loan rows
    # answer. 2025-11-30 → 2025-12-31, on the book at 2025-11-30:
    #   M0 L01 900,000 → M0 · L03 2,000,000 → settled · L06 50,000 → active 0: settled ·
    #      L07 250,000 → M0                                     (4 loans, 3,200,000)
    #   M1 L09 200,000 d20 → d40 M2 · M2 L02 500,000 d45 → d95 M4 (skips M3) ·
    #   M5 L04 300,000 d130 → d300 M7+ (skips M6) · M7+ L05 → M7+, L08 → written_off
    with Warehouse(tiny_bank).connect_read_only() as tiny:
        m = matrix(tiny, Scope("000"), date(2025, 12, 31))
        f = roll_rates.flow_rates(tiny, Scope("000"), date(2025, 12, 31), RULES)
    assert m["M0", "M0"] == (2, 1150000.0, 2 / 4, 1150000 / 3200000)  # L01 + L07
    assert m["M0", "settled"] == (2, 2050000.0, 2 / 4, 2050000 / 3200000)  # L03 + L06
    assert m["M2", "M4"] == (1, 500000.0, 1.0, 1.0)
    assert m["M7+", "written_off"] == (1, 80000.0, 1 / 2, 80000 / 180000)
    assert f.flow_rate_m0_m1 == 0.0 and f.entry_rate == 0.0  # of 3,200,000
    assert f.flow_rate_m1_m2 == 1.0  # L09 200,000 at t / 200,000
    assert f.cure_rate_m1 == 0.0
    assert f.flow_rate_m2_m3 == 0.0  # L02 skipped M3
    assert f.flows[5].by_balance == 0.0  # M5 → M6: L04 skipped M6


# -- the demo bank: aggregates against a loan-level reference in plain Python ----------------


@pytest.fixture(scope="module")
def demo(demo_bank: DemoBank) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(demo_bank.settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


def bucket_label(dpd: int, rules: AssetQualityRules = RULES) -> str:
    """§3 bucket of a days-past-due figure, in Python: M0 = 0, Mk up to edge k."""
    return rules.bucket_labels[
        0 if dpd <= 0 else 1 + bisect.bisect_left(rules.bucket_upper_edges, dpd)
    ]


def reference_cells(
    con: duckdb.DuckDBPyConnection, scope: Scope, month: date
) -> dict[tuple[str, str], list]:
    """§3 cells straight from the definitions: {(from, to): [count, Σ balance t−1, Σ at t]}."""
    prev = month.replace(day=1) - timedelta(days=1)
    months = {
        r[0] for r in con.execute("SELECT DISTINCT as_of_date FROM fct_loan_snapshot").fetchall()
    }
    if prev not in months or month not in months:
        return {}
    orgs = {
        r[0]
        for r in con.execute(
            "SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = ?", [scope.org_id]
        ).fetchall()
    }
    wanted = (scope.product, scope.customer_type, scope.industry_code, scope.guarantee_type)
    in_scope = {
        loan_id
        for loan_id, org, *actual in con.execute(
            "SELECT l.loan_id, l.org_id, l.product, c.customer_type, c.industry_code, "
            "l.guarantee_type FROM dim_loan l JOIN dim_customer c USING (customer_id)"
        ).fetchall()
        if org in orgs and all(w is None or w == a for w, a in zip(wanted, actual, strict=True))
    }
    rows = defaultdict(dict)
    for as_of, loan_id, manager, balance, dpd, status in con.execute(
        "SELECT as_of_date, loan_id, manager_id, balance, days_past_due, status "
        "FROM fct_loan_snapshot WHERE as_of_date IN (?, ?)",
        [prev, month],
    ).fetchall():
        rows[as_of][loan_id] = (manager, balance, dpd, status)
    cells: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for loan_id, (manager, balance, dpd, status) in rows[prev].items():
        if loan_id not in in_scope or status != "active" or balance <= 0:
            continue
        if scope.manager_id is not None and manager != scope.manager_id:
            continue
        _, now_balance, now_dpd, now_status = rows[month].get(loan_id, (None, 0, 0, "settled"))
        if now_status == "active" and now_balance > 0:
            to_state, closing = bucket_label(now_dpd), now_balance
        else:
            to_state = now_status if now_status in ("written_off", "transferred") else "settled"
            closing = Decimal(0)
        cell = cells[bucket_label(dpd), to_state]
        cell[0] += 1
        cell[1] += balance
        cell[2] += closing
    return cells


def reference_figures(cells: dict[tuple[str, str], list]) -> dict[str, float | None]:
    """FlowRates.figures() from reference cells, by the §3 formulas."""

    def ratio(num: Decimal | int, den: Decimal | int) -> float | None:
        return float(Decimal(num) / Decimal(den)) if den else None

    labels = RULES.bucket_labels
    row_count = {b: sum(c[0] for (f, _), c in cells.items() if f == b) for b in labels}
    row_balance = {
        b: sum((c[1] for (f, _), c in cells.items() if f == b), Decimal(0)) for b in labels
    }
    out: dict[str, float | None] = {}
    for mk, mk1 in itertools.pairwise(labels):
        rolled = cells.get((mk, mk1), [0, Decimal(0), Decimal(0)])
        key = f"flow_rate_{mk.lower()}_{mk1.lower().rstrip('+')}"
        out[key] = ratio(rolled[2], row_balance[mk])
        out[f"{key}_by_count"] = ratio(rolled[0], row_count[mk])
    entered = sum(
        (c[2] for (f, to), c in cells.items() if f == "M0" and to in labels[1:]), Decimal(0)
    )
    out["entry_rate"] = ratio(entered, row_balance["M0"])
    out["cure_rate_m1"] = ratio(cells.get(("M1", "M0"), [0])[0], row_count["M1"])
    return out


def demo_months(con: duckdb.DuckDBPyConnection) -> list[date]:
    """The first month end (no transitions), the second, one in the middle and the last."""
    months = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT as_of_date FROM fct_loan_snapshot ORDER BY 1"
        ).fetchall()
    ]
    return [months[0], months[1], months[len(months) // 2], months[-1]]


def test_aggregates_equal_the_loan_level_reference_on_the_demo_bank(
    demo: duckdb.DuckDBPyConnection,
) -> None:
    manager = demo.execute(
        "SELECT manager_id FROM fct_loan_snapshot GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()[0][0]
    scopes = [
        *demo_scopes(demo),
        Scope(demo_scopes(demo)[0].org_id, manager_id=manager),
        *demo_manager_scopes(demo),
    ]
    for scope in scopes:
        for month in demo_months(demo):
            cells = reference_cells(demo, scope, month)
            got = matrix(demo, scope, month)
            assert {k: (n, bal) for k, (n, bal, _, _) in got.items()} == {
                k: (n, float(bal)) for k, (n, bal, _) in cells.items()
            }, (scope, month)
            assert roll_rates.flow_rates(demo, scope, month, RULES).figures() == reference_figures(
                cells
            ), (scope, month)


@pytest.mark.slow
def test_aggregates_equal_the_loan_level_path_on_the_demo_bank(
    demo: duckdb.DuckDBPyConnection,
    demo_bank: DemoBank,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The metric's own loan-level path (LOAN_TRANSITIONS on a copy without the rules record)
    # against the aggregates, account managers' scopes (manager at t−1) included.
    path = loan_level_copy(
        demo_bank.settings.warehouse_path, tmp_path_factory.mktemp("rr_demo") / "wh.duckdb"
    )
    months = demo_months(demo)
    with duckdb.connect(str(path), read_only=True) as slow:
        for scope in [*demo_scopes(demo), *demo_manager_scopes(demo)]:
            for month in months:
                pd.testing.assert_frame_equal(
                    roll_rates.transition_matrix(demo, scope, month, RULES),
                    roll_rates.transition_matrix(slow, scope, month, RULES),
                )
            pd.testing.assert_frame_equal(
                roll_rates.flow_rate_trend(demo, scope, months[0], months[-1], RULES),
                roll_rates.flow_rate_trend(slow, scope, months[0], months[-1], RULES),
            )


def test_matrix_invariants_on_the_demo_bank(demo: duckdb.DuckDBPyConnection) -> None:
    for scope in demo_scopes(demo):
        for month in demo_months(demo)[1:]:
            frame = roll_rates.transition_matrix(demo, scope, month, RULES)
            rows = frame.groupby("from_bucket")
            # every row sums to 100%, by count and by balance
            assert rows["count_share"].sum().to_numpy() == pytest.approx(1.0)
            assert rows["balance_share"].sum().to_numpy() == pytest.approx(1.0)
            # row totals = the bucket's loans on the book at t−1
            prev = month.replace(day=1) - timedelta(days=1)
            on_book: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
            for dpd, balance in demo.execute(
                f"WITH scoped_loan AS ({SCOPED_LOANS}) "
                "SELECT s.days_past_due, s.balance FROM fct_loan_snapshot s "
                "JOIN scoped_loan l ON l.loan_id = s.loan_id "
                "WHERE s.as_of_date = $prev AND s.status = 'active' AND s.balance > 0 "
                f"AND {SNAPSHOT_MANAGER_FILTER}",
                {**scope.params(), "prev": prev},
            ).fetchall():
                on_book[bucket_label(dpd)][0] += 1
                on_book[bucket_label(dpd)][1] += balance
            totals = rows[["loan_count", "balance"]].sum()  # balances summed as floats
            assert {b: int(r.loan_count) for b, r in totals.iterrows()} == {
                b: n for b, (n, _) in on_book.items()
            }, (scope, month)
            assert {b: r.balance for b, r in totals.iterrows()} == pytest.approx(
                {b: float(bal) for b, (_, bal) in on_book.items()}, rel=1e-12
            ), (scope, month)


def test_timings_on_the_demo_bank(demo: duckdb.DuckDBPyConnection) -> None:
    root = demo_scopes(demo)[0]
    months = demo_months(demo)
    manager = demo_manager_scopes(demo)[0]
    calls = {
        "transition_matrix": lambda s: roll_rates.transition_matrix(demo, s, months[-1], RULES),
        "flow_rates": lambda s: roll_rates.flow_rates(demo, s, months[-1], RULES),
        "flow_rate_trend (all months)": lambda s: roll_rates.flow_rate_trend(
            demo, s, months[0], months[-1], RULES
        ),
    }
    for scope in (root, manager):
        for name, call in calls.items():
            started = time.perf_counter()
            call(scope)
            elapsed = time.perf_counter() - started
            path = "manager aggregate" if scope.manager_id else "aggregate"
            print(f"{name} ({path}): {elapsed * 1000:.1f} ms")
