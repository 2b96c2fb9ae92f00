"""METRICS.md §1 on the hand-written bank (fixtures_asset_quality), on the demo bank, and the
load-time aggregates against the loan-level computation.

Expected figures are worked out by hand from the loan lives in fixtures_asset_quality's
docstring; the arithmetic is in the comments. M3 = 2025-03-31 is the as-of date unless said.
On the book at M3 (balance, class, dpd): A1 90,000 N 7 · A2 180,000 SM 8 · A5 56,000 N 0 ·
B1 400,000 D 190 · B2 140,000 N 8 · B4 70,000 SM 90 · B5 30,000 SM 91 · B6 250,000 SS 93 ·
D1 80,000 L 490. Not on the book: A3 A4 A6 (no row), B3 (transferred), D2 (active at 0).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import fields
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from demo_scopes import demo_manager_scopes
from fixtures_asset_quality import M0, M1, M3, AqBank, demo_bank_scopes, loan_level_copy
from fixtures_demo import DemoBank

from daihou.settings import AssetQualityRules, ClassificationFloor
from etl.contract import CLASSES
from metrics import asset_quality as aq
from metrics import migration, portfolio
from metrics.scope import Scope
from warehouse.aggregates.asset_quality import floor_params
from warehouse.connection import Warehouse

RULES = AssetQualityRules()


@pytest.fixture(scope="module")
def con(aq_bank: AqBank) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(aq_bank.warehouse).connect_read_only()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def loan_con(aq_bank: AqBank, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The same bank, answered from the loan level only."""
    path = loan_level_copy(aq_bank.warehouse, tmp_path_factory.mktemp("aq_loans") / "wh.duckdb")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def at(con: duckdb.DuckDBPyConnection, org_id: str, as_of: date = M3, **filters: str):
    return aq.asset_quality_at(con, Scope(org_id, **filters), as_of, RULES)


# -- the hand-written bank -------------------------------------------------------------------


def test_head_office_at_m3(con: duckdb.DuckDBPyConnection) -> None:
    q = at(con, "HO")
    assert q.as_of == M3
    assert q.loan_count == 9  # A1 A2 A5 B1 B2 B4 B5 B6 D1
    # 90 + 180 + 56 + 400 + 140 + 70 + 30 + 250 + 80 thousand
    assert q.total_balance == Decimal("1296000")
    assert (q.balance_normal, q.count_normal) == (Decimal("286000"), 3)  # A1 90 + A5 56 + B2 140
    assert (q.balance_special_mention, q.count_special_mention) == (
        Decimal("280000"),  # A2 180 + B4 70 + B5 30
        3,
    )
    assert (q.balance_substandard, q.count_substandard) == (Decimal("250000"), 1)  # B6
    assert (q.balance_doubtful, q.count_doubtful) == (Decimal("400000"), 1)  # B1
    assert (q.balance_loss, q.count_loss) == (Decimal("80000"), 1)  # D1
    assert (q.npl_balance, q.npl_count) == (Decimal("730000"), 3)  # 250 + 400 + 80
    assert q.npl_ratio == pytest.approx(730_000 / 1_296_000)  # 0.563272
    assert q.npl_ratio_by_count == pytest.approx(3 / 9)
    assert q.special_mention_ratio == pytest.approx(280_000 / 1_296_000)
    # dpd > 0: every loan but A5 (dpd 0): 1,296,000 − 56,000
    assert (q.overdue_count, q.overdue_balance) == (8, Decimal("1240000"))
    assert q.overdue_ratio == pytest.approx(1_240_000 / 1_296_000)
    # 5 + 10 + 70 + 10 + 6 + 4 + 60 + 80 thousand (A1 A2 B1 B2 B4 B5 B6 D1)
    assert q.overdue_principal == Decimal("245000")
    assert q.overdue_principal_ratio == pytest.approx(245_000 / 1_296_000)
    # dpd > 90: B1 400 + B5 30 (91) + B6 250 (93) + D1 80; B4 at exactly 90 is not
    assert q.dpd90_balance == Decimal("760000")
    assert q.dpd90_to_npl == pytest.approx(760_000 / 730_000)  # 1.041: above 100%
    # dpd > 60 adds B4 (90): 760 + 70
    assert q.dpd60_balance == Decimal("830000")
    assert q.dpd60_to_npl == pytest.approx(830_000 / 730_000)
    # dpd > 30: the same loans as dpd > 60 here
    assert q.par30_balance == Decimal("830000")
    assert q.par30 == pytest.approx(830_000 / 1_296_000)
    # B2 normal at dpd 8 (floor: special mention) and B5 special mention at dpd 91 (floor:
    # substandard). Not: A1 normal at 7, A2 SM at 8, B4 SM at 90, B6 SS at 93, B1 D at 190.
    assert (q.floor_breach_count, q.floor_breach_balance) == (2, Decimal("170000"))


def test_head_office_at_the_opening(con: duckdb.DuckDBPyConnection) -> None:
    q = at(con, "HO", M0)
    # M0: A1 100 A2 200 A3 50 A6 40 B4 70 B6 250 D2 500 normal; A4 300 B2 150 B5 30 SM;
    # B1 400 SS; B3 120 D; D1 80 L (thousands); A5 not yet disbursed
    assert q.loan_count == 13
    assert q.total_balance == Decimal("2290000")
    assert q.balance_normal == Decimal("1210000")  # 100+200+50+40+70+250+500
    assert q.balance_special_mention == Decimal("480000")  # 300+150+30
    assert q.npl_balance == Decimal("600000")  # 400 + 120 + 80
    assert q.npl_ratio == pytest.approx(600_000 / 2_290_000)
    # B2 SM at dpd 7, A4 SM at 20, B1 SS at 100, B3 D at 200: all at or worse than the floor
    assert q.floor_breach_count == 0


def test_sub_branch_and_branch_scopes(con: duckdb.DuckDBPyConnection) -> None:
    sb2 = at(con, "SB2")
    # B1 400 D · B2 140 N · B4 70 SM · B5 30 SM · B6 250 SS (B3 transferred)
    assert (sb2.loan_count, sb2.total_balance) == (5, Decimal("890000"))
    assert sb2.npl_balance == Decimal("650000")  # 400 + 250
    assert sb2.npl_ratio == pytest.approx(650_000 / 890_000)
    assert (sb2.floor_breach_count, sb2.floor_breach_balance) == (2, Decimal("170000"))
    sb1 = at(con, "SB1")
    # A1 90 N · A2 180 SM · A5 56 N: no NPL, so the 90+ / NPL ratio has no figure
    assert (sb1.loan_count, sb1.total_balance, sb1.npl_balance) == (3, Decimal("326000"), 0)
    assert sb1.npl_ratio == 0.0
    assert sb1.dpd90_to_npl is None and sb1.dpd60_to_npl is None
    br1 = at(con, "BR1")  # SB1 + SB2
    assert (br1.loan_count, br1.total_balance) == (8, Decimal("1216000"))


def test_nothing_on_the_book_gives_no_ratios(con: duckdb.DuckDBPyConnection) -> None:
    q = at(con, "BR3")
    assert (q.loan_count, q.total_balance, q.npl_balance, q.floor_breach_count) == (0, 0, 0, 0)
    ratios = [f.name for f in fields(q) if f.type == "float | None"]
    assert len(ratios) == 8
    assert all(getattr(q, r) is None for r in ratios)
    assert q.class_frame()["share"].isna().all()


def test_filters(con: duckdb.DuckDBPyConnection) -> None:
    farmer = at(con, "HO", product="farmer")
    # B5 30 SM (dpd 91) · D1 80 L; B3 transferred
    assert (farmer.loan_count, farmer.total_balance, farmer.npl_balance) == (
        2,
        Decimal("110000"),
        Decimal("80000"),
    )
    assert (farmer.floor_breach_count, farmer.floor_breach_balance) == (1, Decimal("30000"))
    individual = at(con, "HO", customer_type="individual")
    # C2's loans on the book: A5 56 N · B4 70 SM · B5 30 SM
    assert (individual.loan_count, individual.total_balance) == (3, Decimal("156000"))
    assert individual.npl_ratio == 0.0
    industry_f = at(con, "HO", industry_code="F")  # C3: B2 140 N · D1 80 L (A4, B3 gone)
    assert (industry_f.loan_count, industry_f.total_balance) == (2, Decimal("220000"))
    sb2_farmer = at(con, "SB2", product="farmer")  # B5 only
    assert (sb2_farmer.loan_count, sb2_farmer.total_balance) == (1, Decimal("30000"))


def test_a_manager_scope_is_the_managers_loans(con: duckdb.DuckDBPyConnection) -> None:
    # E2 manages exactly SB2's loans (answered from agg_class_manager_month, SB2 from
    # agg_class_month: the two must agree)
    assert at(con, "HO", manager_id="E2") == at(con, "SB2")
    assert at(con, "BR2", manager_id="E2").loan_count == 0
    assert at(con, "BR1", product="farmer", manager_id="E2") == at(con, "SB2", product="farmer")


def test_class_frame_shares(con: duckdb.DuckDBPyConnection) -> None:
    frame = at(con, "HO").class_frame()
    assert list(frame["classification"]) == list(CLASSES)
    assert list(frame["loan_count"]) == [3, 3, 1, 1, 1]
    assert frame["share"].tolist() == pytest.approx(
        [286 / 1296, 280 / 1296, 250 / 1296, 400 / 1296, 80 / 1296]
    )


def test_trend(con: duckdb.DuckDBPyConnection) -> None:
    trend = aq.asset_quality_trend(con, Scope("HO"), date(2024, 1, 1), M3, RULES)
    assert [d.date() for d in trend["as_of_date"]] == [M0, M1, date(2025, 2, 28), M3]
    assert list(trend.columns) == ["as_of_date", *[f.name for f in fields(aq.AssetQuality)][1:]]
    # M1: M0's 13 loans without A6 (no row), with A5 (disbursed in January)
    assert list(trend["loan_count"]) == [13, 13, 11, 9]
    # M2: A3 settled and A4 written off leave; 95+190+58+400+145+120+70+30+250+80+100 thousand
    assert trend["total_balance"][2] == 1_538_000
    first = trend.iloc[0]
    assert first.total_balance == 2_290_000 and first.npl_ratio == pytest.approx(600 / 2290)
    last = trend.iloc[-1]
    assert last.npl_balance == 730_000 and last.floor_breach_count == 2
    # a window inside the data, and one outside it
    assert len(aq.asset_quality_trend(con, Scope("SB1"), M1, M1, RULES)) == 1
    assert aq.asset_quality_trend(
        con, Scope("HO"), date(2023, 1, 1), date(2023, 12, 31), RULES
    ).empty


def test_a_date_without_snapshots_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="2025-03-15"):
        at(con, "HO", date(2025, 3, 15))


def test_by_org_at_the_head_office(con: duckdb.DuckDBPyConnection) -> None:
    rows = aq.asset_quality_by_org(con, Scope("HO"), M3, RULES).set_index("org_id")
    # HO books no loans itself: no own-book row
    assert list(rows.index) == ["BR1", "BR2", "BR3"]
    assert not rows["is_own_book"].any()
    br1 = rows.loc["BR1"]  # SB1 (3 loans, 326,000) + SB2 (5 loans, 890,000)
    assert (br1.loan_count, br1.total_balance, br1.npl_balance) == (8, 1_216_000, 650_000)
    assert br1.npl_ratio == pytest.approx(650 / 1216)
    assert br1.special_mention_ratio == pytest.approx(280 / 1216)  # A2 180 + B4 70 + B5 30
    assert br1.overdue_ratio == pytest.approx((1216 - 56) / 1216)  # all but A5
    assert br1.floor_breach_count == 2
    br2 = rows.loc["BR2"]  # D1 80,000 loss; D2 repaid to 0
    assert (br2.loan_count, br2.total_balance, br2.npl_ratio) == (1, 80_000, 1.0)
    br3 = rows.loc["BR3"]
    assert (br3.org_name, br3.level, br3.loan_count, br3.total_balance) == (
        "新区分行",
        "branch",
        0,
        0,
    )
    assert math.isnan(br3.npl_ratio) and math.isnan(br3.overdue_ratio)
    # the rows add up to the scope
    assert rows["total_balance"].sum() == float(at(con, "HO").total_balance)


def test_by_org_lists_the_own_book(con: duckdb.DuckDBPyConnection) -> None:
    # BR2 has no children; its own loans (D1) form the own-book row
    rows = aq.asset_quality_by_org(con, Scope("BR2"), M3, RULES)
    assert rows[["org_id", "is_own_book", "loan_count", "total_balance"]].values.tolist() == [
        ["BR2", True, 1, 80_000.0]
    ]
    children = aq.asset_quality_by_org(con, Scope("BR1", product="farmer"), M3, RULES)
    assert children[["org_id", "loan_count"]].values.tolist() == [["SB1", 0], ["SB2", 1]]  # B5
    assert aq.asset_quality_by_org(con, Scope("SB1"), M3, RULES)["org_id"].tolist() == ["SB1"]


def test_floor_breaches_loan_by_loan(con: duckdb.DuckDBPyConnection) -> None:
    breaches = aq.floor_breaches(con, Scope("HO"), M3, RULES)
    assert list(breaches.columns) == [
        "loan_id",
        "customer_id",
        "customer_name",
        "customer_type",
        "org_id",
        "org_name",
        "manager_id",
        "product",
        "balance",
        "days_past_due",
        "classification",
        "floor_class",
    ]
    assert breaches.values.tolist() == [
        # largest balance first
        [
            *("B2", "C3", "钱七", "individual_business", "SB2", "城东二支行", "E2"),
            *("personal_business", 140_000.0, 8, "normal", "special_mention"),
        ],
        [
            *("B5", "C2", "赵六", "individual", "SB2", "城东二支行", "E2"),
            *("farmer", 30_000.0, 91, "special_mention", "substandard"),
        ],
    ]
    assert aq.floor_breaches(con, Scope("SB1"), M3, RULES).empty  # A1 at 7, A2 SM at 8
    assert aq.floor_breaches(con, Scope("HO", product="farmer"), M3, RULES)["loan_id"].tolist() == [
        "B5"
    ]
    assert aq.floor_breaches(con, Scope("HO", manager_id="E1"), M3, RULES).empty


def test_other_floors_apply_at_once(con: duckdb.DuckDBPyConnection) -> None:
    """Floors other than the load's are answered from the loans, not the aggregate."""
    strict = AssetQualityRules(
        classification_floors=[
            ClassificationFloor(dpd_over=5, at_least="special_mention"),
            ClassificationFloor(dpd_over=60, at_least="substandard"),
        ]
    )
    assert floor_params(strict) == {
        "floor_special_mention": 5,
        "floor_substandard": 60,
        "floor_doubtful": None,  # no floor: never applies
        "floor_loss": None,
    }
    q = aq.asset_quality_at(con, Scope("HO"), M3, strict)
    # dpd > 5 must be SM: A1 N at 7, B2 N at 8; dpd > 60 must be SS: B4 SM at 90, B5 SM at 91
    assert (q.floor_breach_count, q.floor_breach_balance) == (4, Decimal("330000"))  # 90+140+70+30
    listed = aq.floor_breaches(con, Scope("HO"), M3, strict)
    assert sorted(listed["loan_id"]) == ["A1", "B2", "B4", "B5"]
    assert q.total_balance == at(con, "HO").total_balance


def test_floor_thresholds_take_the_lowest_applicable_floor() -> None:
    # a loss floor at 200 below a doubtful one at 300: a loan over 200 must be loss, and so
    # at least doubtful too
    rules = AssetQualityRules(
        classification_floors=[
            ClassificationFloor(dpd_over=300, at_least="doubtful"),
            ClassificationFloor(dpd_over=200, at_least="loss"),
        ]
    )
    assert floor_params(rules) == {
        "floor_special_mention": 200,
        "floor_substandard": 200,
        "floor_doubtful": 200,
        "floor_loss": 200,
    }
    assert floor_params(RULES) == {
        "floor_special_mention": 7,
        "floor_substandard": 90,
        "floor_doubtful": 270,
        "floor_loss": 360,
    }


SCOPES = [
    Scope("HO"),
    Scope("BR1"),
    Scope("SB2"),
    Scope("BR2"),
    Scope("BR3"),
    Scope("HO", product="farmer"),
    Scope("HO", customer_type="individual"),
    Scope("BR1", guarantee_type="credit", industry_code="C"),
    Scope("HO", manager_id="E2"),
    Scope("BR1", product="farmer", manager_id="E2"),
    Scope("BR2", manager_id="E1"),  # nothing: E1 books in BR1
]


@pytest.mark.parametrize("scope", SCOPES, ids=repr)
def test_aggregates_equal_loan_level_on_the_fixture(
    con: duckdb.DuckDBPyConnection, loan_con: duckdb.DuckDBPyConnection, scope: Scope
) -> None:
    assert_same_figures(con, loan_con, scope, [M0, M1, M3])


# -- the demo bank ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_bank: DemoBank) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(demo_bank.settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def demo_loans(demo_bank: DemoBank, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    path = loan_level_copy(
        demo_bank.settings.warehouse_path, tmp_path_factory.mktemp("demo_loans") / "wh.duckdb"
    )
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def assert_same_figures(
    fast: duckdb.DuckDBPyConnection,
    slow: duckdb.DuckDBPyConnection,
    scope: Scope,
    dates: list[date],
) -> None:
    """Aggregate and loan-level answers are identical: Decimals equal, frames equal."""
    for as_of in dates:
        assert aq.asset_quality_at(fast, scope, as_of, RULES) == aq.asset_quality_at(
            slow, scope, as_of, RULES
        )
        for figure in (aq.asset_quality_by_org, aq.floor_breaches):
            pd.testing.assert_frame_equal(
                figure(fast, scope, as_of, RULES), figure(slow, scope, as_of, RULES)
            )
    pd.testing.assert_frame_equal(
        aq.asset_quality_trend(fast, scope, dates[0], dates[-1], RULES),
        aq.asset_quality_trend(slow, scope, dates[0], dates[-1], RULES),
    )


@pytest.mark.slow
def test_aggregates_equal_loan_level_on_the_demo_bank(
    demo: duckdb.DuckDBPyConnection, demo_loans: duckdb.DuckDBPyConnection
) -> None:
    months = portfolio.month_ends(demo)
    dates = [months[0], months[11], months[-2], months[-1]]
    # account managers' scopes too: agg_class_manager_month against the loans (the manager at
    # each month end, handovers included)
    for scope in [*demo_bank_scopes(demo), *demo_manager_scopes(demo)]:
        assert_same_figures(demo, demo_loans, scope, dates)


@pytest.mark.slow
def test_invariants_on_the_demo_bank(demo: duckdb.DuckDBPyConnection) -> None:
    months = portfolio.month_ends(demo)
    for scope in [*demo_bank_scopes(demo)[:3], *demo_manager_scopes(demo)[:2]]:
        trend = aq.asset_quality_trend(demo, scope, months[0], months[-1], RULES)
        assert len(trend) == len(months)
        # class balances and counts add up to the totals; NPL is the last three classes
        balances = trend[[f"balance_{c}" for c in CLASSES]].sum(axis=1)
        assert (balances - trend["total_balance"]).abs().max() < 0.005
        counts = trend[[f"count_{c}" for c in CLASSES]].sum(axis=1)
        assert (counts == trend["loan_count"]).all()
        q = aq.asset_quality_at(demo, scope, months[-1], RULES)
        assert sum((q.balance_of(c) for c in CLASSES), Decimal(0)) == q.total_balance
        assert q.npl_balance == q.balance_substandard + q.balance_doubtful + q.balance_loss
        assert q.dpd90_balance <= q.dpd60_balance <= q.par30_balance <= q.overdue_balance
        assert q.overdue_principal <= q.overdue_balance <= q.total_balance
        breaches = aq.floor_breaches(demo, scope, months[-1], RULES)
        assert len(breaches) == q.floor_breach_count
        assert breaches["balance"].sum() == pytest.approx(float(q.floor_breach_balance))
        by_org = aq.asset_quality_by_org(demo, scope, months[-1], RULES)
        assert by_org["loan_count"].sum() == q.loan_count
        assert by_org["total_balance"].sum() == pytest.approx(float(q.total_balance))
    # the generator plants floor breaches, so the demo bank has some
    root = demo_bank_scopes(demo)[0]
    assert aq.asset_quality_at(demo, root, months[-1], RULES).floor_breach_count > 0


@pytest.mark.slow
def test_timings_on_the_demo_bank(demo: duckdb.DuckDBPyConnection) -> None:
    """Printed, not asserted (pytest -s shows them); the medium-scale figures are in the
    report of the change that added them."""
    months = portfolio.month_ends(demo)
    end, start = months[-1], months[0]
    opening = max(m for m in months if m.month == 12 and m < end)
    calls = {
        "asset_quality_at": lambda s: aq.asset_quality_at(demo, s, end, RULES),
        "asset_quality_trend": lambda s: aq.asset_quality_trend(demo, s, start, end, RULES),
        "asset_quality_by_org": lambda s: aq.asset_quality_by_org(demo, s, end, RULES),
        "floor_breaches": lambda s: aq.floor_breaches(demo, s, end, RULES),
        "migration_matrix": lambda s: migration.migration_matrix(demo, s, opening, end),
        "migration_rates": lambda s: migration.migration_rates(demo, s, opening, end),
    }
    for label, scope in (
        ("bank", demo_bank_scopes(demo)[0]),
        ("manager", demo_manager_scopes(demo)[0]),
    ):
        for name, call in calls.items():
            call(scope)  # warm
            started = time.perf_counter()
            call(scope)
            print(f"{name:24s} {label:8s} {1000 * (time.perf_counter() - started):7.1f} ms")
