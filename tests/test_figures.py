"""`daihou figures` (METRICS.md §8): every key, the same numbers as the metric functions."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from figures_spec import SECTION_1_3_KEYS
from fixtures_demo import DemoBank

from metrics.asset_quality import asset_quality_at
from metrics.figures import default_opening, headline_figures
from metrics.migration import migration_rates
from metrics.roll_rates import flow_rates
from metrics.scope import Scope
from warehouse.connection import Warehouse

AS_OF = date(2025, 12, 31)


def figures_cli(bank: DemoBank, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "daihou.cli", "figures", *args]
    cmd += ["--warehouse", str(bank.settings.warehouse_path)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_cli_prints_every_key(demo_bank: DemoBank) -> None:
    done = figures_cli(demo_bank, "--as-of", "2025-12-31")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == SECTION_1_3_KEYS
    assert (out["as_of"], out["opening"], out["org_id"]) == ("2025-12-31", "2024-12-31", "HO")
    assert all(out[k] is not None for k in SECTION_1_3_KEYS)  # every figure exists here


@pytest.mark.parametrize("org_id", ["HO", "BR02", "BR01-S01"])
def test_figures_equal_the_metric_functions(demo_bank: DemoBank, org_id: str) -> None:
    rules = demo_bank.settings.asset_quality
    scope = Scope(org_id)
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        out = headline_figures(con, scope, AS_OF, None, rules)
        quality = asset_quality_at(con, scope, AS_OF, rules)
        migration = migration_rates(con, scope, date(2024, 12, 31), AS_OF)
        flows = flow_rates(con, scope, AS_OF, rules)
    assert out["npl_ratio"] == quality.npl_ratio
    assert out["total_balance"] == float(quality.total_balance)
    assert out["floor_breach_count"] == quality.floor_breach_count
    assert out["migration_rate_normal"] == migration.normal.rate
    assert out["performing_migration_rate"] == migration.performing_migration_rate
    assert out["flow_rate_m1_m2"] == flows.flows[1].by_balance
    assert out["cure_rate_m1"] == flows.cure_rate_m1
    # class balances add up to the total (§1)
    classes = ("normal", "special_mention", "substandard", "doubtful", "loss")
    assert sum(out[f"balance_{c}"] for c in classes) == pytest.approx(out["total_balance"])


def test_opening_before_the_data_gives_null_migration(demo_bank: DemoBank) -> None:
    done = figures_cli(demo_bank, "--as-of", "2023-06-30")  # opening 2022-12-31: no snapshots
    out = json.loads(done.stdout)
    assert out["opening"] == "2022-12-31"
    assert out["migration_rate_normal"] is None and out["performing_migration_rate"] is None
    assert out["npl_ratio"] is not None


def test_unknown_org_and_missing_month_are_refused(demo_bank: DemoBank) -> None:
    done = figures_cli(demo_bank, "--as-of", "2025-12-31", "--org", "NOPE' OR 1=1 --")
    assert done.returncode == 2 and "unknown org" in done.stderr
    done = figures_cli(demo_bank, "--as-of", "2025-12-15")
    assert done.returncode == 2 and "2025-12-15" in done.stderr


def test_default_opening_is_the_previous_year_end() -> None:
    assert default_opening(date(2025, 3, 31)) == date(2024, 12, 31)
