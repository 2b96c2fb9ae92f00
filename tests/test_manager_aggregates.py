"""The per-manager aggregates (agg_class_manager_month, agg_bucket_manager_transition,
agg_vintage_manager_*) on the demo bank: the tables without the manager are their sums, and a
warehouse loaded before they existed (rules recorded, twins missing) answers an account
manager's scope from the loan rows with the same figures.

The figures of manager scopes against the loan-level path are checked family by family in
test_asset_quality, test_migration, test_roll_rates and test_vintage.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import duckdb
import pandas as pd
import pytest
from demo_scopes import demo_manager_scopes
from fixtures_demo import DemoBank

from daihou.settings import AssetQualityRules
from metrics import asset_quality, portfolio, roll_rates, vintage
from warehouse.aggregates.asset_quality import MANAGER_TABLE
from warehouse.aggregates.transitions import MANAGER_TRANSITION_TABLE, MANAGER_VINTAGE_TABLES
from warehouse.connection import Warehouse

RULES = AssetQualityRules()
MANAGER_TABLES = (MANAGER_TABLE, MANAGER_TRANSITION_TABLE, *MANAGER_VINTAGE_TABLES)

# (table without the manager, its twin, the twin's dimensions and sums without the manager)
SUMS = [
    (
        "agg_class_month",
        MANAGER_TABLE,
        "as_of_date, org_id, product, customer_type, industry_code, guarantee_type, classification",
        "loan_count, balance, overdue_count, overdue_balance, overdue_principal, dpd30_balance, "
        "dpd60_balance, dpd90_balance, breach_count, breach_balance",
    ),
    (
        "agg_bucket_transition",
        MANAGER_TRANSITION_TABLE,
        "month_end, org_id, product, customer_type, industry_code, guarantee_type, from_bucket, "
        "to_state",
        "loan_count, balance_prev, balance_now",
    ),
    (
        "agg_vintage_cohort",
        MANAGER_VINTAGE_TABLES[0],
        "cohort_month, org_id, product, customer_type, industry_code, guarantee_type",
        "cohort_loans, cohort_amount",
    ),
    (
        "agg_vintage_delinquency",
        MANAGER_VINTAGE_TABLES[1],
        "cohort_month, mob, org_id, product, customer_type, industry_code, guarantee_type, "
        "threshold",
        "delinquent_balance, newly_delinquent",
    ),
]


@pytest.fixture(scope="module")
def demo(demo_bank: DemoBank) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = Warehouse(demo_bank.settings.warehouse_path).connect_read_only()
    yield connection
    connection.close()


@pytest.mark.parametrize(("table", "twin", "dims", "sums"), SUMS, ids=[s[0] for s in SUMS])
def test_each_table_is_its_twin_summed_over_the_managers(
    demo: duckdb.DuckDBPyConnection, table: str, twin: str, dims: str, sums: str
) -> None:
    summed = ", ".join(f"sum({m})" for m in sums.split(", "))
    twin_sums = f"SELECT {dims}, {summed} FROM {twin} GROUP BY ALL"
    plain = f"SELECT {dims}, {sums} FROM {table}"
    assert demo.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0
    for left, right in ((twin_sums, plain), (plain, twin_sums)):
        difference = demo.execute(f"SELECT count(*) FROM ({left} EXCEPT ALL {right})")
        assert difference.fetchall() == [(0,)], (table, left)
    # a twin row always has a manager, but a vintage row of a loan without a MOB 0 snapshot
    nulls = demo.execute(f"SELECT count(*) FROM {twin} WHERE manager_id IS NULL").fetchall()
    assert twin.startswith("agg_vintage") or nulls == [(0,)]


@pytest.mark.slow
def test_a_warehouse_without_the_twins_answers_managers_from_the_loans(
    demo: duckdb.DuckDBPyConnection,
    demo_bank: DemoBank,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    current = Warehouse(demo_bank.settings.warehouse_path).current_file()
    assert current is not None
    path = tmp_path_factory.mktemp("no_twins") / "wh.duckdb"
    shutil.copyfile(current, path)
    with duckdb.connect(str(path)) as con:
        for table in MANAGER_TABLES:
            con.execute(f"DROP TABLE {table}")
    months = portfolio.month_ends(demo)
    with duckdb.connect(str(path), read_only=True) as old:
        for db in (demo, old):  # the rules are recorded in both: only the twins differ
            assert db.execute("SELECT count(*) FROM agg_class_month_rules").fetchall() == [(1,)]
            assert db.execute("SELECT count(*) FROM agg_bucket_rules").fetchall() == [(1,)]
        for scope in demo_manager_scopes(demo)[:3]:
            assert asset_quality.asset_quality_at(
                demo, scope, months[-1], RULES
            ) == asset_quality.asset_quality_at(old, scope, months[-1], RULES)
            pd.testing.assert_frame_equal(
                asset_quality.asset_quality_trend(demo, scope, months[0], months[-1], RULES),
                asset_quality.asset_quality_trend(old, scope, months[0], months[-1], RULES),
            )
            pd.testing.assert_frame_equal(
                roll_rates.flow_rate_trend(demo, scope, months[0], months[-1], RULES),
                roll_rates.flow_rate_trend(old, scope, months[0], months[-1], RULES),
            )
            pd.testing.assert_frame_equal(
                vintage.vintage_curves(demo, scope, 30, "ever_count", RULES),
                vintage.vintage_curves(old, scope, 30, "ever_count", RULES),
            )
