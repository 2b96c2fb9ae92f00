"""A re-delivered month with corrections replaces that month and everything derived from it
(issue 7): aggregates, obligations, the watch list, scores. Figures of the other months stay.

The demo bank is loaded; then June 2025 is delivered again with twelve performing loans
corrected to 95 days past due, substandard. The corrected warehouse must equal, table by table
(load bookkeeping aside), a warehouse loaded from scratch with the corrected data; June's NPL
count must rise by exactly twelve; every other month end's §1 figures must not move.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from compare_tables import differing_tables
from fixtures_demo import DemoBank

from daihou.settings import Settings
from etl.load import load_extract
from metrics.asset_quality import asset_quality_at
from metrics.figures import headline_figures
from metrics.periods import parse_period
from metrics.portfolio import month_ends
from metrics.scope import Scope
from metrics.scores import manager_scores
from warehouse.connection import Warehouse

pytestmark = pytest.mark.slow

JUNE = date(2025, 6, 30)
CORRECTED = 12
REFERENCE = ("org_units", "staff", "customers", "customer_ratings", "loans")


def corrected_snapshots(source: Path, target: Path, months: str) -> None:
    """Write the snapshots of ``months`` (a SQL condition on as_of_date) with twelve of June's
    performing loans (the first by loan id with a balance of at least 10,000 yuan) put at 95
    days past due, substandard, with 1,000 yuan overdue."""
    duckdb.execute(f"""
        COPY (
            WITH s AS (SELECT * FROM read_csv('{source}', all_varchar = true)),
            pick AS (
                SELECT loan_id FROM s
                WHERE as_of_date = '{JUNE}' AND classification = 'normal' AND status = 'active'
                  AND days_past_due = '0' AND balance::DECIMAL(18, 2) >= 10000
                ORDER BY loan_id LIMIT {CORRECTED}
            )
            SELECT s.as_of_date, s.loan_id, s.manager_id, s.balance,
                   CASE WHEN p.loan_id IS NULL THEN s.classification ELSE 'substandard' END
                       AS classification,
                   CASE WHEN p.loan_id IS NULL THEN s.days_past_due ELSE '95' END
                       AS days_past_due,
                   CASE WHEN p.loan_id IS NULL THEN s.overdue_principal ELSE '1000.00' END
                       AS overdue_principal,
                   s.interest_arrears, s.status
            FROM s LEFT JOIN pick AS p ON p.loan_id = s.loan_id AND s.as_of_date = '{JUNE}'
            WHERE {months}
        ) TO '{target}' (HEADER)
    """)


@pytest.fixture(scope="module")
def banks(demo_bank: DemoBank, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the demo warehouse after the June re-delivery, a warehouse loaded from scratch with the
    corrected data)."""
    root = tmp_path_factory.mktemp("corrections")
    source = demo_bank.extract
    # the correction delivery: reference entities, June's corrected snapshots, no new events
    june = root / "june"
    june.mkdir()
    for entity in REFERENCE:
        (june / f"{entity}.csv").symlink_to(source / f"{entity}.csv")
    corrected_snapshots(source / "loan_snapshots.csv", june / "loan_snapshots.csv",
                        f"as_of_date = '{JUNE}'")  # fmt: skip
    header = (source / "inspections.csv").read_text(encoding="utf-8").splitlines()[0]
    (june / "inspections.csv").write_text(header + "\n", encoding="utf-8")
    # the same data delivered whole
    whole = root / "whole"
    shutil.copytree(source, whole, ignore=shutil.ignore_patterns("_truth", "loan_snapshots.csv"))
    corrected_snapshots(source / "loan_snapshots.csv", whole / "loan_snapshots.csv", "true")

    incremental = root / "incremental.duckdb"
    shutil.copyfile(Warehouse(demo_bank.settings.warehouse_path).current_file(), incremental)
    load_extract(june, Settings(data_dir=root, warehouse=incremental))
    scratch = root / "scratch.duckdb"
    load_extract(whole, Settings(data_dir=root, warehouse=scratch))
    return incremental, scratch


def test_june_changed_by_the_corrections(demo_bank: DemoBank, banks: tuple[Path, Path]) -> None:
    rules = Settings().asset_quality
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        before = asset_quality_at(con, Scope("HO"), JUNE, rules)
    with Warehouse(banks[0]).connect_read_only() as con:
        after = asset_quality_at(con, Scope("HO"), JUNE, rules)
    assert after.loan_count == before.loan_count
    assert after.total_balance == before.total_balance
    assert after.count_substandard == before.count_substandard + CORRECTED
    assert after.count_normal == before.count_normal - CORRECTED


def test_other_months_are_unchanged(demo_bank: DemoBank, banks: tuple[Path, Path]) -> None:
    rules = Settings().asset_quality
    with (
        Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as old,
        Warehouse(banks[0]).connect_read_only() as new,
    ):
        months = month_ends(old)
        assert month_ends(new) == months
        for as_of in months:
            if as_of != JUNE:
                for org in ("HO", "BR01", "BR02-S01"):
                    scope = Scope(org)
                    assert asset_quality_at(new, scope, as_of, rules) == asset_quality_at(
                        old, scope, as_of, rules
                    ), (org, as_of)


def test_the_corrected_warehouse_equals_one_loaded_from_scratch(banks: tuple[Path, Path]) -> None:
    """Every table, facts and everything derived at load time (aggregates, obligations, the
    watch list), equal row for row; only the load bookkeeping differs."""
    assert differing_tables(*banks) == {}


def test_figures_and_scores_equal_those_from_scratch(banks: tuple[Path, Path]) -> None:
    settings = Settings()
    incremental, scratch = banks
    with (
        Warehouse(incremental).connect_read_only() as a,
        Warehouse(scratch).connect_read_only() as b,
    ):
        for as_of in (JUNE, date(2025, 7, 31), date(2025, 12, 31)):
            for org in ("HO", "BR01"):
                scope = Scope(org)
                assert headline_figures(a, scope, as_of, None, settings) == headline_figures(
                    b, scope, as_of, None, settings
                ), (org, as_of)
        quarter = parse_period("2025Q2")
        assert manager_scores(a, Scope("HO"), quarter, settings).equals(
            manager_scores(b, Scope("HO"), quarter, settings)
        )
