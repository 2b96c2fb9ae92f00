"""METRICS.md §1 figures on the tiny bank, expected values worked out by hand from its rows.

The tiny bank is written straight into the tables, without the load-time aggregates, so these
tests exercise the loan-level path of metrics.asset_quality.

On the book at a month end = snapshot status 'active' and balance > 0. Loans per org (see
fixtures_tiny_bank): 110 东街支行 L01 L02 L06 L09 · 120 西街支行 L03 L04 L07 · 200 河西分行
L05 L08 · 210 and 300 none.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from daihou.settings import AssetQualityRules
from etl.contract import CLASSES
from metrics import asset_quality, data_quality, orgs, portfolio
from metrics.asset_quality import AssetQuality
from metrics.scope import Scope
from warehouse.connection import Warehouse

OCT, NOV, DEC = date(2025, 10, 31), date(2025, 11, 30), date(2025, 12, 31)


@pytest.fixture(scope="module")
def con(tiny_bank: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(tiny_bank).connect_read_only()
    yield connection
    connection.close()


RULES = AssetQualityRules()


def portfolio_at(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: date) -> AssetQuality:
    return asset_quality.asset_quality_at(con, scope, as_of, RULES)


def by_class(summary: AssetQuality) -> dict[str, tuple[int, Decimal]]:
    return {c: (summary.count_of(c), summary.balance_of(c)) for c in CLASSES}


def test_month_ends_are_the_snapshot_dates(con: duckdb.DuckDBPyConnection) -> None:
    assert portfolio.month_ends(con) == [OCT, NOV, DEC]


def test_head_office_in_december(con: duckdb.DuckDBPyConnection) -> None:
    s = portfolio_at(con, Scope("000"), DEC)
    # Not on the book: L03 settled, L06 active with balance 0, L08 written off.
    # On the book: L01 800,000 normal · L07 250,000 normal · L09 200,000 special mention ·
    #              L02 450,000 substandard · L04 300,000 doubtful · L05 100,000 loss
    assert s.loan_count == 6
    assert s.total_balance == Decimal("2100000")  # 800+250+200+450+300+100 thousand
    assert by_class(s) == {
        "normal": (2, Decimal("1050000")),  # 800,000 + 250,000
        "special_mention": (1, Decimal("200000")),
        "substandard": (1, Decimal("450000")),
        "doubtful": (1, Decimal("300000")),
        "loss": (1, Decimal("100000")),
    }
    shares = s.class_frame().set_index("classification")["share"]
    assert shares["normal"] == pytest.approx(1050000 / 2100000)  # 0.5
    assert s.npl_balance == Decimal("850000")  # 450,000 + 300,000 + 100,000
    assert s.npl_count == 3
    assert s.npl_ratio == pytest.approx(850000 / 2100000)  # 0.404762
    assert s.npl_ratio_by_count == pytest.approx(3 / 6)
    assert s.special_mention_ratio == pytest.approx(200000 / 2100000)  # 0.095238
    assert shares.sum() == pytest.approx(1.0)


def test_head_office_in_october(con: duckdb.DuckDBPyConnection) -> None:
    s = portfolio_at(con, Scope("000"), OCT)
    # All eight loans then on the book (L07 not yet disbursed):
    # normal L01 1,000,000 + L03 2,000,000 + L06 50,000 = 3,050,000
    # special mention L02 500,000 + L09 200,000 = 700,000 · substandard L04 300,000
    # loss L05 100,000 + L08 80,000 = 180,000
    assert s.loan_count == 8
    assert s.total_balance == Decimal("4230000")  # 3,050,000 + 700,000 + 300,000 + 180,000
    assert s.npl_ratio == pytest.approx(480000 / 4230000)  # (300,000 + 180,000) / total


def test_sub_branch_scope(con: duckdb.DuckDBPyConnection) -> None:
    s = portfolio_at(con, Scope("110"), DEC)
    # 110: L01 800,000 normal · L02 450,000 substandard · L09 200,000 special mention;
    # L06 has balance 0.
    assert s.loan_count == 3
    assert s.total_balance == Decimal("1450000")
    assert s.npl_ratio == pytest.approx(450000 / 1450000)  # 0.310345
    assert s.special_mention_ratio == pytest.approx(200000 / 1450000)


def test_filters_narrow_the_scope(con: duckdb.DuckDBPyConnection) -> None:
    # personal_business loans: L02 450,000 + L09 200,000
    by_product = portfolio_at(con, Scope("000", product="personal_business"), DEC)
    assert (by_product.loan_count, by_product.total_balance) == (2, Decimal("650000"))
    # manager M02 in December: L04 300,000 + L07 250,000 (L03 settled)
    by_manager = portfolio_at(con, Scope("000", manager_id="M02"), DEC)
    assert (by_manager.loan_count, by_manager.total_balance) == (2, Decimal("550000"))


def test_nothing_on_the_book_gives_no_ratios(con: duckdb.DuckDBPyConnection) -> None:
    s = portfolio_at(con, Scope("300"), DEC)
    assert (s.loan_count, s.total_balance) == (0, Decimal(0))
    assert s.npl_ratio is None
    assert s.special_mention_ratio is None
    assert s.class_frame()["share"].isna().all()


def test_class_trend_lists_every_class_at_every_month(con: duckdb.DuckDBPyConnection) -> None:
    trend = asset_quality.asset_quality_trend(con, Scope("000"), date(2023, 1, 31), DEC, RULES)
    assert len(trend) == 3
    cells = {
        (row["as_of_date"].date(), c): (row[f"balance_{c}"], row[f"count_{c}"])
        for _, row in trend.iterrows()
        for c in CLASSES
    }
    # November: normal L01 900,000 + L03 2,000,000 + L06 50,000 + L07 250,000 = 3,200,000
    assert cells[(NOV, "normal")] == (3200000, 4)
    assert cells[(NOV, "special_mention")] == (700000, 2)  # L02 500,000 + L09 200,000
    assert cells[(NOV, "doubtful")] == (0, 0)  # no doubtful loan in November: listed as 0
    assert cells[(NOV, "loss")] == (180000, 2)  # L05 100,000 + L08 80,000
    assert cells[(DEC, "loss")] == (100000, 1)  # L08 written off in December
    # invariant: each month's classes add up to that month's total loans
    for month in (OCT, NOV, DEC):
        total = portfolio_at(con, Scope("000"), month).total_balance
        assert sum(cells[(month, c)][0] for c in CLASSES) == float(total)


def test_class_trend_keeps_to_the_window(con: duckdb.DuckDBPyConnection) -> None:
    trend = asset_quality.asset_quality_trend(con, Scope("110"), NOV, DEC, RULES)
    assert [d.date() for d in trend["as_of_date"]] == [NOV, DEC]
    assert asset_quality.asset_quality_trend(
        con, Scope("000"), date(2024, 1, 1), date(2024, 12, 31), RULES
    ).empty


def test_children_of_head_office(con: duckdb.DuckDBPyConnection) -> None:
    kids = asset_quality.asset_quality_by_org(con, Scope("000"), DEC, RULES).set_index("org_id")
    assert list(kids.index) == ["100", "200", "300"]
    # 100 = 110 + 120: L01 800,000 N · L02 450,000 SS · L09 200,000 SM · L04 300,000 D ·
    # L07 250,000 N  -> 5 loans, 2,000,000; NPL 450,000 + 300,000 = 750,000
    b1 = kids.loc["100"]
    assert (b1.loan_count, b1.total_balance, b1.npl_balance) == (5, 2000000, 750000)
    assert b1.npl_ratio == pytest.approx(750000 / 2000000)  # 0.375
    assert b1.special_mention_ratio == pytest.approx(200000 / 2000000)  # 0.1
    # 200 (booked at the branch itself): L05 100,000 loss; L08 written off -> not counted
    b2 = kids.loc["200"]
    assert (b2.loan_count, b2.total_balance, b2.npl_balance) == (1, 100000, 100000)
    assert b2.npl_ratio == pytest.approx(1.0)
    # 300 has no loans: listed with zeros, ratios null
    b3 = kids.loc["300"]
    assert (b3.org_name, b3.level, b3.loan_count, b3.total_balance) == ("新区分行", "branch", 0, 0)
    assert math.isnan(b3.npl_ratio) and math.isnan(b3.special_mention_ratio)


def test_children_of_a_branch(con: duckdb.DuckDBPyConnection) -> None:
    kids = asset_quality.asset_quality_by_org(con, Scope("100"), DEC, RULES).set_index("org_id")
    # 110: L01 800,000 N · L02 450,000 SS · L09 200,000 SM = 1,450,000
    # 120: L04 300,000 D · L07 250,000 N = 550,000 (L03 settled)
    assert kids["loan_count"].to_dict() == {"110": 3, "120": 2}
    assert kids["total_balance"].to_dict() == {"110": 1450000, "120": 550000}
    assert kids.at["120", "npl_ratio"] == pytest.approx(300000 / 550000)  # 0.545455
    assert kids.at["110", "special_mention_ratio"] == pytest.approx(200000 / 1450000)


def test_child_without_loans_while_the_parent_has_some(con: duckdb.DuckDBPyConnection) -> None:
    # 200 books L05 itself; its only child 210 has nothing: zeros and a null ratio. L05 is
    # listed after the children as 200's own book.
    kids = asset_quality.asset_quality_by_org(con, Scope("200"), DEC, RULES)
    assert kids["org_id"].tolist() == ["210", "200"]
    assert kids["is_own_book"].tolist() == [False, True]
    assert (kids.at[0, "loan_count"], kids.at[0, "total_balance"]) == (0, 0)
    assert math.isnan(kids.at[0, "npl_ratio"])
    assert (kids.at[1, "loan_count"], kids.at[1, "total_balance"]) == (1, 100000)  # L05


def test_a_sub_branch_has_only_its_own_book(con: duckdb.DuckDBPyConnection) -> None:
    kids = asset_quality.asset_quality_by_org(con, Scope("110"), DEC, RULES)
    assert kids[["org_id", "is_own_book", "loan_count"]].values.tolist() == [["110", True, 3]]
    assert asset_quality.asset_quality_by_org(con, Scope("300"), DEC, RULES).empty


def test_children_follow_the_scope_filters(con: duckdb.DuckDBPyConnection) -> None:
    # personal_business loans: L02 (110) 450,000 substandard, L09 (110) 200,000
    scope = Scope("100", product="personal_business")
    kids = asset_quality.asset_quality_by_org(con, scope, DEC, RULES)
    assert kids.set_index("org_id")["total_balance"].to_dict() == {"110": 650000, "120": 0}


def test_trend_start_and_previous_month_end() -> None:
    assert portfolio.trend_start(DEC, 36) == date(2023, 1, 31)
    assert portfolio.trend_start(date(2024, 3, 31), 2) == date(2024, 2, 29)  # leap year
    assert portfolio.trend_start(DEC, 1) == DEC
    assert portfolio.previous_month_end([OCT, NOV, DEC], DEC) == NOV
    assert portfolio.previous_month_end([OCT, NOV, DEC], OCT) is None


def test_org_tree_and_subtree_checks(con: duckdb.DuckDBPyConnection) -> None:
    assert orgs.root_org_id(con) == "000"
    tree = orgs.org_tree(con)  # the whole tree
    # tree order: each org right after its parent
    assert tree["org_id"].tolist() == ["000", "100", "110", "120", "200", "210", "300"]
    assert tree.set_index("org_id").at["110", "path_name"] == "示范农商银行 / 城关分行 / 东街支行"
    branch = orgs.org_tree(con, "100").set_index("org_id")
    assert branch["depth"].to_dict() == {"100": 0, "110": 1, "120": 1}
    assert branch.at["120", "path_name"] == "城关分行 / 西街支行"  # from the given root down
    assert orgs.within_subtree(con, "100", "110")
    assert orgs.within_subtree(con, "110", "110")
    assert not orgs.within_subtree(con, "100", "210")
    assert not orgs.within_subtree(con, "110", "100")  # an ancestor is outside
    assert not orgs.within_subtree(con, "000", "nonexistent")


def test_load_runs_and_files(con: duckdb.DuckDBPyConnection) -> None:
    runs = data_quality.load_runs(con)
    assert runs["load_id"].tolist() == [2, 1]  # newest first
    assert runs.iloc[0][["rows_read", "rows_loaded", "rows_rejected"]].tolist() == [44, 40, 4]
    files = data_quality.load_files(con, 2)
    assert files["entity"].tolist() == ["customers", "loan_snapshots", "loans", "org_units"]
    assert files["rows_rejected"].sum() == 4
    assert data_quality.load_files(con, 99).empty


def test_rejected_rows_filters(con: duckdb.DuckDBPyConnection) -> None:
    assert len(data_quality.rejected_rows(con)) == 5
    assert data_quality.rejected_rows(con, load_id=1).empty
    snapshots = data_quality.rejected_rows(con, load_id=2, entity="loan_snapshots")
    assert snapshots["row_number"].tolist() == [7, 7, 12]
    # Chinese substring of a reason: 金额无法解析, 金额不能为负数
    assert set(data_quality.rejected_rows(con, text="金额")["value"]) == {"abc", "-5000"}
    # English reason, any case
    assert data_quality.rejected_rows(con, text="CANNOT BE PARSED")["value"].tolist() == ["abc"]
    # the delivered value
    assert data_quality.rejected_rows(con, text="l99")["row_number"].tolist() == [12]
    # wildcards in the text are literal: "_" is in ID_12 and in "loan_id not found in loans"
    assert set(data_quality.rejected_rows(con, text="_")["value"]) == {"ID_12", "L99"}
    assert data_quality.rejected_rows(con, text="%").empty
    assert len(data_quality.rejected_rows(con, limit=2)) == 2


def test_rejected_counts(con: duckdb.DuckDBPyConnection) -> None:
    counts = data_quality.rejected_counts(con, load_id=2)
    assert len(counts) == 5  # five different (entity, column, reason) problems
    assert counts["problem_count"].sum() == 5
    snapshots = data_quality.rejected_counts(con, 2, entity="loan_snapshots")
    # row 7 has two problems (balance, classification), row 12 one (loan_id)
    assert snapshots.set_index("column_name")["row_count"].to_dict() == {
        "balance": 1,
        "classification": 1,
        "loan_id": 1,
    }
