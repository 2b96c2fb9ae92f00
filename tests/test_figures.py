"""`daihou figures` (METRICS.md §8): every key, the same numbers as the metric functions."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from figures_spec import ALL_KEYS
from fixtures_demo import DemoBank

from metrics.asset_quality import asset_quality_at
from metrics.figures import default_opening, headline_figures
from metrics.migration import migration_rates
from metrics.obligations import obligations, report_quality
from metrics.roll_rates import flow_rates
from metrics.scope import Scope
from metrics.watchlist import Rules as WatchlistRules
from metrics.watchlist import watchlist
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
    assert set(out) == ALL_KEYS
    assert (out["as_of"], out["opening"], out["org_id"]) == ("2025-12-31", "2024-12-31", "HO")
    assert all(out[k] is not None for k in ALL_KEYS)  # every figure exists here


@pytest.mark.parametrize("org_id", ["HO", "BR02", "BR01-S01"])
def test_figures_equal_the_metric_functions(demo_bank: DemoBank, org_id: str) -> None:
    rules = demo_bank.settings.asset_quality
    scope = Scope(org_id)
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        out = headline_figures(con, scope, AS_OF, None, demo_bank.settings)
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


@pytest.mark.parametrize("org_id", ["HO", "BR01-S01"])
def test_section_5_6_figures_equal_the_metric_functions(demo_bank: DemoBank, org_id: str) -> None:
    """§5 over obligations due (and inspections dated) in (opening, as_of]; §6 at as_of."""
    settings = demo_bank.settings
    scope = Scope(org_id)
    opening = date(2024, 12, 31)
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        out = headline_figures(con, scope, AS_OF, None, settings)
        owed = obligations(con, scope, AS_OF, settings.inspection)
        reports = report_quality(con, scope, opening, AS_OF, settings.inspection)
        listed = watchlist(con, scope, AS_OF, WatchlistRules.of(settings))
    due = owed[(owed.due_date.dt.date > opening) & (owed.due_date.dt.date <= AS_OF)]
    counts = due.status.value_counts()
    assert out["obligations_due"] == len(due) > 0
    assert out["obligations_on_time"] == counts.get("on_time", 0)
    assert out["obligations_late"] == counts.get("late", 0)
    assert out["obligations_overdue"] == counts.get("overdue", 0)
    assert out["on_time_rate"] == pytest.approx(counts.get("on_time", 0) / len(due))
    assert out["completion_rate"] == pytest.approx(
        (counts.get("on_time", 0) + counts.get("late", 0)) / len(due)
    )
    assert out["report_quality_rate"] == reports.share_good
    assert out["watchlist_count"] == len(listed) > 0


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
