"""METRICS.md §2 on the hand-written bank (fixtures_asset_quality) and invariants on the demo
bank; the load-time tables against the loan-level computation.

Expected figures are worked out by hand from the loan lives in fixtures_asset_quality's
docstring, from t0 = M0 (2024-12-31) to t1 = M3 (2025-03-31) unless said. Cohorts at M0
(thousands): normal A1 100 · A2 200 · A3 50 · A6 40 · B4 70 · B6 250 · D2 500; special
mention A4 300 · B2 150 · B5 30; substandard B1 400; doubtful B3 120; loss D1 80. A5 was
disbursed after M0: in no cohort.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from demo_scopes import demo_manager_scopes
from fixtures_asset_quality import M0, M1, M2, M3, AqBank, demo_bank_scopes, loan_level_copy
from fixtures_demo import DemoBank

from daihou.settings import AssetQualityRules
from etl.contract import CLASSES, NPL_CLASSES
from metrics import asset_quality, migration, portfolio
from metrics.migration import RATED_CLASSES, STATES, CohortMigration
from metrics.scope import Scope
from warehouse.connection import Warehouse


@pytest.fixture(scope="module")
def con(aq_bank: AqBank) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(aq_bank.warehouse).connect_read_only()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def loan_con(aq_bank: AqBank, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    path = loan_level_copy(aq_bank.warehouse, tmp_path_factory.mktemp("mig_loans") / "wh.duckdb")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def cells(frame: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float, int]]:
    """The non-empty cells: (from, to) -> (opening balance, closing balance, count)."""
    return {
        (r.from_class, r.to_state): (r.opening_balance, r.closing_balance, r.loan_count)
        for r in frame.itertuples()
        if r.loan_count
    }


def figures(c: CohortMigration) -> tuple:
    return (c.loan_count, c.opening_balance, c.period_reduction, c.denominator, c.downward_amount)


def test_matrix_at_the_head_office(con: duckdb.DuckDBPyConnection) -> None:
    frame = migration.migration_matrix(con, Scope("HO"), M0, M3)
    assert list(frame.columns) == [
        "from_class",
        "to_state",
        "opening_balance",
        "closing_balance",
        "loan_count",
    ]
    assert len(frame) == 5 * 8  # every cell, empty ones as 0
    assert list(frame["to_state"][:8]) == [*CLASSES, "settled", "written_off", "transferred"]
    assert cells(frame) == {
        ("normal", "normal"): (100_000, 90_000, 1),  # A1
        ("normal", "special_mention"): (270_000, 250_000, 2),  # A2 200→180, B4 70→70
        ("normal", "substandard"): (250_000, 250_000, 1),  # B6
        # A3 settled in M2; A6 has no row after M0; D2 active at balance 0 in M3
        ("normal", "settled"): (590_000, 0, 3),  # 50 + 40 + 500
        ("special_mention", "normal"): (150_000, 140_000, 1),  # B2 (upgraded)
        ("special_mention", "special_mention"): (30_000, 30_000, 1),  # B5
        # A4: downgraded to substandard in M1, written off in M2: its last snapshot up to M3
        ("special_mention", "written_off"): (300_000, 0, 1),
        ("substandard", "doubtful"): (400_000, 400_000, 1),  # B1
        ("doubtful", "transferred"): (120_000, 0, 1),  # B3, transferred in M3
        ("loss", "loss"): (80_000, 80_000, 1),  # D1
    }
    # A5, disbursed after M0, is in no cohort: 13 cohort loans = the 13 on the book at M0
    assert frame["loan_count"].sum() == 13


def test_rates_at_the_head_office(con: duckdb.DuckDBPyConnection) -> None:
    r = migration.migration_rates(con, Scope("HO"), M0, M3)
    assert (r.opening, r.closing) == (M0, M3)
    # normal: opening 1,210,000; closing A1 90 + A2 180 + B4 70 + B6 250 = 590,000;
    # reduction 1,210 − 590 = 620 thousand; down: A2 180 + B4 70 (SM) + B6 250 (SS) = 500
    assert figures(r.normal) == (
        7,
        Decimal("1210000"),
        Decimal("620000"),
        Decimal("590000"),
        Decimal("500000"),
    )
    assert r.normal.rate == pytest.approx(500 / 590)  # 0.847458
    # special mention: opening 480,000; closing B2 140 + B5 30 = 170; A4 written off (0)
    # reduction 310; down (substandard or worse): none. A rate of 0, not "no figure".
    assert figures(r.special_mention) == (
        3,
        Decimal("480000"),
        Decimal("310000"),
        Decimal("170000"),
        Decimal("0"),
    )
    assert r.special_mention.rate == 0.0
    # substandard: B1 400 → doubtful 400
    assert figures(r.substandard) == (1, Decimal("400000"), 0, Decimal("400000"), Decimal("400000"))
    assert r.substandard.rate == 1.0
    # doubtful: B3 transferred: opening 120, reduction 120, denominator 0 → no figure
    assert figures(r.doubtful) == (1, Decimal("120000"), Decimal("120000"), 0, 0)
    assert r.doubtful.rate is None
    # performing: NPL at M3 among normal and SM cohort loans: B6 250 (normal → SS); A2 and B4
    # (normal → SM) do not count. Denominators 590 + 170 = 760
    assert (r.performing_numerator, r.performing_denominator) == (
        Decimal("250000"),
        Decimal("760000"),
    )
    assert r.performing_migration_rate == pytest.approx(250 / 760)  # 0.328947
    assert r.of("normal") is r.normal


def test_sub_branch_scopes(con: duckdb.DuckDBPyConnection) -> None:
    sb1 = migration.migration_rates(con, Scope("SB1"), M0, M3)
    # normal: A1 100→90, A2 200→180 (SM), A3 50 and A6 40 settled: opening 390, closing 270
    assert figures(sb1.normal) == (
        4,
        Decimal("390000"),
        Decimal("120000"),
        Decimal("270000"),
        Decimal("180000"),
    )
    assert sb1.normal.rate == pytest.approx(180 / 270)
    # special mention: A4 written off → denominator 0 → no figure
    assert sb1.special_mention.denominator == 0 and sb1.special_mention.rate is None
    # no substandard or doubtful cohort: opening 0 → no figure
    assert sb1.substandard.opening_balance == 0 and sb1.substandard.rate is None
    assert sb1.performing_migration_rate == 0.0  # 0 / (270 + 0)
    sb2 = migration.migration_rates(con, Scope("SB2"), M0, M3)
    # normal: B4 70 → SM, B6 250 → SS: everything moved down
    assert sb2.normal.rate == 1.0
    # SM: B2 150 → N 140, B5 30 → SM 30: opening 180, reduction 10, denominator 170, down 0
    assert figures(sb2.special_mention) == (
        2,
        Decimal("180000"),
        Decimal("10000"),
        Decimal("170000"),
        0,
    )
    assert sb2.performing_migration_rate == pytest.approx(250 / (320 + 170))


def test_filters(con: duckdb.DuckDBPyConnection) -> None:
    farmer = migration.migration_rates(con, Scope("HO", product="farmer"), M0, M3)
    # farmer cohorts: B5 SM 30 → SM 30 · B3 D 120 → transferred · D1 L; no normal cohort
    assert farmer.normal.opening_balance == 0 and farmer.normal.rate is None
    assert farmer.special_mention.rate == 0.0  # 0 / 30,000
    assert farmer.doubtful.rate is None
    assert farmer.performing_migration_rate == 0.0  # 0 / (0 + 30,000)
    individual = migration.migration_rates(con, Scope("HO", customer_type="individual"), M0, M3)
    # C2: A3 N 50 settled · A6 N 40 settled · B4 N 70 → SM · B5 SM 30 → SM (A5 in no cohort)
    assert figures(individual.normal) == (
        3,
        Decimal("160000"),
        Decimal("90000"),
        Decimal("70000"),
        Decimal("70000"),
    )
    assert individual.normal.rate == 1.0
    matrix = migration.migration_matrix(con, Scope("SB2", product="farmer"), M0, M3)
    assert cells(matrix) == {
        ("special_mention", "special_mention"): (30_000, 30_000, 1),  # B5
        ("doubtful", "transferred"): (120_000, 0, 1),  # B3
    }


def test_a_manager_scope_takes_the_manager_at_the_opening(
    con: duckdb.DuckDBPyConnection,
) -> None:
    by_manager = migration.migration_matrix(con, Scope("HO", manager_id="E2"), M0, M3)
    pd.testing.assert_frame_equal(by_manager, migration.migration_matrix(con, Scope("SB2"), M0, M3))


def test_shorter_periods(con: duckdb.DuckDBPyConnection) -> None:
    # M0 → M2: A3 settled and A4 written off at M2 itself; B3 still doubtful; A6 no row
    to_m2 = cells(migration.migration_matrix(con, Scope("SB1"), M0, M2))
    assert to_m2 == {
        ("normal", "normal"): (300_000, 285_000, 2),  # A1 100→95, A2 200→190
        ("normal", "settled"): (90_000, 0, 2),  # A3, A6
        ("special_mention", "written_off"): (300_000, 0, 1),  # A4
    }
    # M1 → M3: A5 (disbursed in January) is in the normal cohort; A4 was substandard at M1
    from_m1 = cells(migration.migration_matrix(con, Scope("SB1"), M1, M3))
    assert from_m1 == {
        ("normal", "normal"): (155_000, 146_000, 2),  # A1 95→90, A5 60→56
        ("normal", "special_mention"): (200_000, 180_000, 1),  # A2
        ("normal", "settled"): (50_000, 0, 1),  # A3
        ("substandard", "written_off"): (300_000, 0, 1),  # A4
    }
    with pytest.raises(ValueError, match="after opening"):
        migration.migration_rates(con, Scope("HO"), M3, M3)


@pytest.mark.parametrize(
    "scope",
    [
        Scope("HO"),
        Scope("BR1"),
        Scope("SB1"),
        Scope("BR3"),
        Scope("HO", product="farmer"),
        Scope("HO", manager_id="E2"),
        Scope("BR1", product="farmer", manager_id="E2"),
    ],
    ids=repr,
)
@pytest.mark.parametrize(("opening", "closing"), [(M0, M3), (M0, M2), (M1, M3), (M2, M3)])
def test_aggregates_equal_loan_level_on_the_fixture(
    con: duckdb.DuckDBPyConnection,
    loan_con: duckdb.DuckDBPyConnection,
    scope: Scope,
    opening: date,
    closing: date,
) -> None:
    pd.testing.assert_frame_equal(
        migration.migration_matrix(con, scope, opening, closing),
        migration.migration_matrix(loan_con, scope, opening, closing),
    )


# -- the demo bank ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_bank: DemoBank) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(demo_bank.settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


def periods(months: list[date]) -> list[tuple[date, date]]:
    """Year end → last month end, quarter end → last, previous month → last, a whole year."""
    end = months[-1]
    year_end = max(m for m in months if m.month == 12 and m < end)
    quarter_end = max(m for m in months if m.month % 3 == 0 and m < end)
    return [(year_end, end), (quarter_end, end), (months[-2], end), (months[0], months[12])]


@pytest.mark.slow
def test_invariants_on_the_demo_bank(demo: duckdb.DuckDBPyConnection) -> None:
    months = portfolio.month_ends(demo)
    rules = AssetQualityRules()
    for scope in demo_bank_scopes(demo):
        for opening, closing in periods(months):
            matrix = migration.migration_matrix(demo, scope, opening, closing)
            rates = migration.migration_rates(demo, scope, opening, closing)
            start = asset_quality.asset_quality_at(demo, scope, opening, rules)
            end = asset_quality.asset_quality_at(demo, scope, closing, rules)
            # each row's opening balances and counts add up to the cohort at t0
            for cls in CLASSES:
                row = matrix[matrix["from_class"] == cls]
                assert row["loan_count"].sum() == start.count_of(cls)
                assert row["opening_balance"].sum() == pytest.approx(
                    float(start.balance_of(cls)), abs=0.01
                )
            # closing balances sit in class columns only; those of loans still on the book
            # are at most the book at t1 (loans disbursed after t0 are not in any cohort)
            out = matrix[matrix["to_state"].isin(STATES[len(CLASSES) :])]
            assert (out["closing_balance"] == 0).all()
            assert matrix["closing_balance"].sum() <= float(end.total_balance) + 0.01
            # the rates recomputed from the matrix equal migration_rates
            for cls in RATED_CLASSES:
                row = matrix[matrix["from_class"] == cls]
                worse = CLASSES[CLASSES.index(cls) + 1 :]
                opening_balance = row["opening_balance"].sum()
                reduction = opening_balance - row["closing_balance"].sum()
                denominator = opening_balance - reduction
                down = row[row["to_state"].isin(worse)]["closing_balance"].sum()
                cohort = rates.of(cls)
                assert float(cohort.period_reduction) == pytest.approx(reduction, abs=0.01)
                assert float(cohort.denominator) == pytest.approx(denominator, abs=0.01)
                assert float(cohort.downward_amount) == pytest.approx(down, abs=0.01)
                if cohort.denominator == 0:
                    assert cohort.rate is None
                else:
                    assert cohort.rate == pytest.approx(down / denominator, rel=1e-9)
            performing = matrix[
                matrix["from_class"].isin(["normal", "special_mention"])
                & matrix["to_state"].isin(NPL_CLASSES)
            ]["closing_balance"].sum()
            assert float(rates.performing_numerator) == pytest.approx(performing, abs=0.01)
    # the demo bank's loans do leave in every way
    root = demo_bank_scopes(demo)[0]
    year = migration.migration_matrix(demo, root, months[0], months[12])
    assert (year.groupby("to_state")["loan_count"].sum()[list(STATES[5:])] > 0).all()


@pytest.mark.slow
def test_aggregates_equal_loan_level_on_the_demo_bank(
    demo: duckdb.DuckDBPyConnection,
    demo_bank: DemoBank,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    path = loan_level_copy(
        demo_bank.settings.warehouse_path, tmp_path_factory.mktemp("mig_demo") / "wh.duckdb"
    )
    months = portfolio.month_ends(demo)
    with duckdb.connect(str(path), read_only=True) as slow:
        # account managers' scopes too (the manager at the opening, handovers included)
        for scope in [*demo_bank_scopes(demo), *demo_manager_scopes(demo)]:
            for opening, closing in periods(months):
                pd.testing.assert_frame_equal(
                    migration.migration_matrix(demo, scope, opening, closing),
                    migration.migration_matrix(slow, scope, opening, closing),
                )
                assert migration.migration_rates(
                    demo, scope, opening, closing
                ) == migration.migration_rates(slow, scope, opening, closing)
