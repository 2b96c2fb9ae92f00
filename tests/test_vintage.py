"""METRICS.md §4 (vintage curves) on a hand-made extract, and against a loan-level reference.

The extract goes through the real ETL, which builds the agg_vintage_* tables the function reads.
Month ends in the data: 2025-01-31 … 2025-04-30. Loans (org, manager at MOB 0), balance/dpd:

    loan cohort  contract  org  2025-01-31   2025-02-28   2025-03-31    2025-04-30
    V0   2024-12 500,000   SB1  480,000 d40  470,000 d70  460,000 d100  450,000 d130
    V1   2025-01 100,000   SB1  100,000 d0   100,000 d35   95,000 d0     90,000 d40
    V2   2025-01 200,000   SB1  200,000 d0   190,000 d0   190,000 d20   190,000 d95
    V3   2025-01 100,000   SB2  100,000 d0   settled 0    —             —
    V4   2025-02  50,000   SB2  —             50,000 d0    50,000 d31    50,000 d61
    V5   2025-02 150,000   SB2  —            150,000 d0   150,000 d30   140,000 d0

V0's cohort (2024-12) has no MOB 0 in the data: left out. Managers: SB1's loans E1, SB2's E2,
except V2, which moves to E2 from 2025-03 (it stays E1's in vintage: the manager at MOB 0).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
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
from metrics.scope import Scope
from metrics.vintage import COLUMNS, vintage_curves
from warehouse.connection import Warehouse

JAN, FEB, MAR, APR = date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)
TODAY = date(2026, 1, 15)
RULES = AssetQualityRules()

# loan_id: org, contract amount, disbursement date, [(month end, balance, dpd, status)]
LOANS = {
    "V0": (
        "SB1",
        "500000",
        "2024-12-20",
        [
            (JAN, 480000, 40, "active"),
            (FEB, 470000, 70, "active"),
            (MAR, 460000, 100, "active"),
            (APR, 450000, 130, "active"),
        ],
    ),
    "V1": (
        "SB1",
        "100000",
        "2025-01-05",
        [
            (JAN, 100000, 0, "active"),
            (FEB, 100000, 35, "active"),
            (MAR, 95000, 0, "active"),
            (APR, 90000, 40, "active"),
        ],
    ),
    "V2": (
        "SB1",
        "200000",
        "2025-01-20",
        [
            (JAN, 200000, 0, "active"),
            (FEB, 190000, 0, "active"),
            (MAR, 190000, 20, "active"),
            (APR, 190000, 95, "active"),
        ],
    ),
    "V3": ("SB2", "100000", "2025-01-25", [(JAN, 100000, 0, "active"), (FEB, 0, 0, "settled")]),
    "V4": (
        "SB2",
        "50000",
        "2025-02-10",
        [(FEB, 50000, 0, "active"), (MAR, 50000, 31, "active"), (APR, 50000, 61, "active")],
    ),
    "V5": (
        "SB2",
        "150000",
        "2025-02-15",
        [(FEB, 150000, 0, "active"), (MAR, 150000, 30, "active"), (APR, 140000, 0, "active")],
    ),
}


def manager(loan_id: str, as_of: date) -> str:
    if loan_id == "V2" and as_of >= MAR:
        return "E2"
    return {"SB1": "E1", "SB2": "E2"}[LOANS[loan_id][0]]


def extract_tables() -> dict[str, list[dict[str, str]]]:
    """The tiny bank's orgs, staff and customers with the loans and snapshots above."""
    tables = copy_tables()
    tables["loans"] = [
        {
            "loan_id": loan_id,
            "customer_id": "C2",
            "org_id": org,
            "product": "personal_consumer",
            "contract_amount": amount,
            "disbursement_date": disbursed,
            "maturity_date": "2027-12-31",
            "interest_rate": "6.0",
            "guarantee_type": "credit",
            "payment_mode": "self",
            "purpose": "",
        }
        for loan_id, (org, amount, disbursed, _) in LOANS.items()
    ]
    tables["loan_snapshots"] = [
        {
            "as_of_date": as_of.isoformat(),
            "loan_id": loan_id,
            "manager_id": manager(loan_id, as_of),
            "balance": str(balance),
            "classification": "normal" if dpd == 0 else "special_mention" if dpd <= 90 else "loss",
            "days_past_due": str(dpd),
            "overdue_principal": "0",
            "interest_arrears": "0",
            "status": status,
        }
        for loan_id, (*_, rows) in LOANS.items()
        for as_of, balance, dpd, status in rows
    ]
    tables["inspections"] = [r for r in tables["inspections"] if not r["loan_id"]]
    for optional in ("warning_signals", "collateral", "collection_actions", "repayments"):
        del tables[optional]
    return tables


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    tmp = tmp_path_factory.mktemp("vintage")
    settings = Settings(data_dir=tmp, warehouse=tmp / "wh.duckdb")
    summary = load_extract(write_extract(tmp / "extract", extract_tables()), settings, today=TODAY)
    assert summary.rows_rejected == 0
    connection = Warehouse(settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


def curves(frame: pd.DataFrame) -> dict[tuple[date, int], tuple[float, float, float]]:
    """{(cohort month, mob): (value, numerator, denominator)}"""
    return {
        (r.cohort_month.date(), r.mob): (r.value, r.numerator, r.denominator)
        for r in frame.itertuples()
    }


def test_columns(con: duckdb.DuckDBPyConnection) -> None:
    frame = vintage_curves(con, Scope("HO"), 30, "current_amount", RULES)
    assert list(frame.columns) == COLUMNS
    assert frame.cohort_month.dtype.kind == "M" and frame.mob.dtype == "int64"


def test_current_delinquency_by_amount_over_30(con: duckdb.DuckDBPyConnection) -> None:
    frame = vintage_curves(con, Scope("HO"), 30, "current_amount", RULES)
    # Cohort 2025-01: V1 + V2 + V3 = 3 loans, 400,000 contract; MOBs 0–3 (Jan–Apr).
    # Cohort 2025-02: V4 + V5 = 2 loans, 200,000; MOBs 0–2 (Feb–Apr). V0's 2024-12 is out.
    assert curves(frame) == {
        (JAN, 0): (0.0, 0.0, 400000.0),  # nobody over 30
        (JAN, 1): (0.25, 100000.0, 400000.0),  # V1 dpd 35, 100,000
        (JAN, 2): (0.0, 0.0, 400000.0),  # V1 cured, V2 only 20: current drops
        (JAN, 3): (0.7, 280000.0, 400000.0),  # V1 again (40) 90,000 + V2 (95) 190,000
        (FEB, 0): (0.0, 0.0, 200000.0),
        (FEB, 1): (0.25, 50000.0, 200000.0),  # V4 dpd 31 > 30; V5 dpd 30 is not over 30
        (FEB, 2): (0.25, 50000.0, 200000.0),  # V4 dpd 61
    }
    assert set(zip(frame.cohort_month.dt.date, frame.cohort_loans, strict=True)) == {
        (JAN, 3),
        (FEB, 2),
    }
    assert set(frame.cohort_amount) == {400000.0, 200000.0}


def test_ever_delinquency_by_count_over_30(con: duckdb.DuckDBPyConnection) -> None:
    frame = vintage_curves(con, Scope("HO"), 30, "ever_count", RULES)
    assert curves(frame) == {
        (JAN, 0): (0.0, 0.0, 3.0),
        (JAN, 1): (1 / 3, 1.0, 3.0),  # V1 reached 35
        (JAN, 2): (1 / 3, 1.0, 3.0),  # V1 cured, but "ever" stays
        (JAN, 3): (2 / 3, 2.0, 3.0),  # V2 reached 95; V1's second episode counts once
        (FEB, 0): (0.0, 0.0, 2.0),
        (FEB, 1): (0.5, 1.0, 2.0),  # V4 (31); V5 at exactly 30 is not over
        (FEB, 2): (0.5, 1.0, 2.0),
    }


def test_threshold_90(con: duckdb.DuckDBPyConnection) -> None:
    current = curves(vintage_curves(con, Scope("HO"), 90, "current_amount", RULES))
    ever = curves(vintage_curves(con, Scope("HO"), 90, "ever_count", RULES))
    # Only V2 goes over 90 (95 at MOB 3 of the January cohort). V0 (dpd 100, 130) is in no
    # cohort.
    assert current[JAN, 3] == (190000 / 400000, 190000.0, 400000.0)  # 0.475
    assert ever[JAN, 3] == (1 / 3, 1.0, 3.0)
    assert all(v == 0.0 for k, (v, _, _) in current.items() if k != (JAN, 3))
    assert all(v == 0.0 for k, (v, _, _) in ever.items() if k != (JAN, 3))


def test_sub_branch_scope(con: duckdb.DuckDBPyConnection) -> None:
    # SB1: V1, V2 of the January cohort (300,000); no February loan; V0 out.
    frame = vintage_curves(con, Scope("SB1"), 30, "current_amount", RULES)
    assert curves(frame) == {
        (JAN, 0): (0.0, 0.0, 300000.0),
        (JAN, 1): (100000 / 300000, 100000.0, 300000.0),
        (JAN, 2): (0.0, 0.0, 300000.0),
        (JAN, 3): (280000 / 300000, 280000.0, 300000.0),
    }


@pytest.mark.parametrize("basis", ["current_amount", "ever_count"])
@pytest.mark.parametrize("threshold", [30, 90])
def test_manager_scope_takes_the_manager_at_mob_0(
    con: duckdb.DuckDBPyConnection, basis: str, threshold: int
) -> None:
    # E1 at MOB 0: V1 and V2 (V2 moved to E2 later) — exactly SB1's loans. Manager scopes are
    # answered from the agg_vintage_manager_* tables, SB1 from agg_vintage_*: they must agree
    # exactly.
    by_manager = vintage_curves(con, Scope("HO", manager_id="E1"), threshold, basis, RULES)
    assert by_manager.equals(vintage_curves(con, Scope("SB1"), threshold, basis, RULES))


def test_empty_scope_and_bad_arguments(con: duckdb.DuckDBPyConnection) -> None:
    empty = vintage_curves(con, Scope("SB1", product="mortgage"), 30, "ever_count", RULES)
    assert empty.empty and list(empty.columns) == COLUMNS
    with pytest.raises(ValueError, match="vintage_thresholds"):
        vintage_curves(con, Scope("HO"), 60, "ever_count", RULES)
    with pytest.raises(ValueError, match="basis"):
        vintage_curves(con, Scope("HO"), 30, "ever_amount", RULES)  # type: ignore[arg-type]


def test_thresholds_not_built_at_load_come_from_the_loan_rows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # The load built 30 and 90. With 31 configured later (no reload yet), 31 is answered from
    # the loan rows: V4 (31) is no longer over the threshold, V1 (35) still is.
    rules = AssetQualityRules(vintage_thresholds=[30, 31, 90])
    current = curves(vintage_curves(con, Scope("HO"), 31, "current_amount", rules))
    assert current[JAN, 1] == (0.25, 100000.0, 400000.0)
    assert current[FEB, 1] == (0.0, 0.0, 200000.0)


def test_warehouse_without_aggregates(tiny_bank: Path) -> None:
    # The tiny bank is written straight into the tables (no load, no aggregates): the loan rows
    # answer. Only L07 (disbursed 2025-11-10, 250,000) has its MOB 0 in the data (Oct–Dec).
    with Warehouse(tiny_bank).connect_read_only() as tiny:
        frame = vintage_curves(tiny, Scope("000"), 30, "current_amount", RULES)
    assert curves(frame) == {
        (date(2025, 11, 30), 0): (0.0, 0.0, 250000.0),
        (date(2025, 11, 30), 1): (0.0, 0.0, 250000.0),
    }


# -- the demo bank: aggregates against a loan-level reference in plain Python ----------------


def reference_curves(
    con: duckdb.DuckDBPyConnection, scope: Scope, threshold: int
) -> dict[tuple[date, int], tuple[Decimal, int, int, Decimal]]:
    """§4 straight from the definitions: {(cohort, mob): (delinquent balance, ever count,
    cohort loans, cohort amount)}, cohorts with MOB 0 in the data."""
    months = sorted(
        r[0] for r in con.execute("SELECT DISTINCT as_of_date FROM fct_loan_snapshot").fetchall()
    )
    orgs = {
        r[0]
        for r in con.execute(
            "SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = ?", [scope.org_id]
        ).fetchall()
    }
    loans = con.execute(
        "SELECT l.loan_id, l.org_id, l.product, c.customer_type, c.industry_code, "
        "l.guarantee_type, l.contract_amount, last_day(l.disbursement_date), s.manager_id "
        "FROM dim_loan l JOIN dim_customer c USING (customer_id) "
        "LEFT JOIN fct_loan_snapshot s "
        "  ON s.loan_id = l.loan_id AND s.as_of_date = last_day(l.disbursement_date)"
    ).fetchall()
    cohort_of: dict[str, date] = {}
    cohorts: dict[date, list] = defaultdict(lambda: [0, Decimal(0)])
    for loan_id, org, product, ctype, industry, guarantee, amount, cohort, manager in loans:
        # a manager's loans: those they were responsible for at MOB 0
        wanted = (
            scope.product,
            scope.customer_type,
            scope.industry_code,
            scope.guarantee_type,
            scope.manager_id,
        )
        actual = (product, ctype, industry, guarantee, manager)
        if org not in orgs or any(
            w is not None and w != a for w, a in zip(wanted, actual, strict=True)
        ):
            continue
        if cohort in months:
            cohort_of[loan_id] = cohort
            cohorts[cohort][0] += 1
            cohorts[cohort][1] += amount
    delinquent: dict[tuple[date, date], Decimal] = defaultdict(Decimal)
    first_over: dict[str, date] = {}
    for loan_id, as_of, balance, dpd, status in con.execute(
        "SELECT loan_id, as_of_date, balance, days_past_due, status FROM fct_loan_snapshot"
    ).fetchall():
        cohort = cohort_of.get(loan_id)
        if cohort is None or as_of < cohort or dpd <= threshold:
            continue
        if status == "active" and balance > 0:
            delinquent[cohort, as_of] += balance
        first_over[loan_id] = min(as_of, first_over.get(loan_id, as_of))
    out = {}
    for cohort, (n, amount) in cohorts.items():
        for as_of in (m for m in months if m >= cohort):
            mob = (as_of.year - cohort.year) * 12 + as_of.month - cohort.month
            ever = sum(
                1 for lid, d in first_over.items() if cohort_of[lid] == cohort and d <= as_of
            )
            out[cohort, mob] = (delinquent[cohort, as_of], ever, n, amount)
    return out


@pytest.fixture(scope="module")
def demo(demo_bank: DemoBank) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(demo_bank.settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


@pytest.mark.parametrize("threshold", [30, 90])
def test_aggregates_equal_the_loan_level_reference_on_the_demo_bank(
    demo: duckdb.DuckDBPyConnection, threshold: int
) -> None:
    managers = demo_manager_scopes(demo)
    for scope in [*demo_scopes(demo), *managers]:
        expected = reference_curves(demo, scope, threshold)
        current = vintage_curves(demo, scope, threshold, "current_amount", RULES)
        ever = vintage_curves(demo, scope, threshold, "ever_count", RULES)
        assert len(current) == len(expected), scope
        assert expected or scope == managers[-1], scope  # only that one is empty
        for cur, evr in zip(current.itertuples(), ever.itertuples(), strict=True):
            balance, n_ever, n, amount = expected[cur.cohort_month.date(), cur.mob]
            assert (cur.numerator, cur.denominator) == (float(balance), float(amount)), scope
            assert cur.value == float(balance) / float(amount)
            assert (evr.numerator, evr.denominator, evr.value) == (n_ever, n, n_ever / n)
            assert (cur.cohort_loans, cur.cohort_amount) == (n, float(amount))


@pytest.mark.slow
def test_aggregates_equal_the_loan_level_path_on_the_demo_bank(
    demo: duckdb.DuckDBPyConnection,
    demo_bank: DemoBank,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The metric's own loan-level path (on a copy without the rules record) against the
    # aggregates, account managers' scopes (manager at MOB 0) included.
    path = loan_level_copy(
        demo_bank.settings.warehouse_path, tmp_path_factory.mktemp("vintage_demo") / "wh.duckdb"
    )
    with duckdb.connect(str(path), read_only=True) as slow:
        for scope in [*demo_scopes(demo), *demo_manager_scopes(demo)]:
            for threshold in RULES.vintage_thresholds:
                for basis in ("current_amount", "ever_count"):
                    pd.testing.assert_frame_equal(
                        vintage_curves(demo, scope, threshold, basis, RULES),  # type: ignore[arg-type]
                        vintage_curves(slow, scope, threshold, basis, RULES),  # type: ignore[arg-type]
                    )


def test_ever_delinquency_never_falls_on_the_demo_bank(demo: duckdb.DuckDBPyConnection) -> None:
    ever = vintage_curves(demo, demo_scopes(demo)[0], 30, "ever_count", RULES)
    assert (ever.groupby("cohort_month")["numerator"].diff().dropna() >= 0).all()
    # MOB 0 is each cohort's own month end, and MOBs run without gaps to the last month end
    last = ever.groupby("cohort_month")["mob"].agg(["min", "max", "count"])
    assert (last["min"] == 0).all() and (last["count"] == last["max"] + 1).all()


def test_timings_on_the_demo_bank(demo: duckdb.DuckDBPyConnection) -> None:
    root = demo_scopes(demo)[0]
    for scope in (root, demo_manager_scopes(demo)[0]):
        for basis in ("current_amount", "ever_count"):
            started = time.perf_counter()
            vintage_curves(demo, scope, 30, basis, RULES)  # type: ignore[arg-type]
            elapsed = time.perf_counter() - started
            path = "manager aggregates" if scope.manager_id else "aggregates"
            print(f"vintage_curves {basis} ({path}): {elapsed * 1000:.1f} ms")
