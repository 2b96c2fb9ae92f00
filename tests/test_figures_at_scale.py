"""The load-time tables give the loan-level figures on a sample of scopes and dates, at any scale.

Runs on the demo bank by default. ``DAIHOU_CHECK_WAREHOUSE=<warehouse file>`` runs it on
another warehouse, read only: ``benchmarks/suite.py`` does so on each scale's full load and
records the outcome in its results (issue 8: the figures at medium scale equal the loan-level
computation). The reference is a copy of the warehouse without the records of the rules its
load-time tables were built with, so that every metric takes its own loan-level path from the
fact tables (``fixtures_asset_quality.loan_level_copy``, and the obligations and watch list
records too). The sample is drawn from the warehouse with a fixed seed (``DAIHOU_CHECK_SEED``
draws another): the whole bank, a random branch and sub-branch, a random product over the
whole bank and a random account manager in their org; three month ends, the last included.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fixtures_demo import DemoBank

from daihou.settings import Settings
from metrics import asset_quality as aq
from metrics import migration, roll_rates, scores
from metrics import obligations as ob
from metrics.periods import parse_period, period_window
from metrics.scope import Scope
from metrics.vintage import vintage_curves
from metrics.watchlist import Rules, watchlist_summary
from warehouse.connection import Warehouse

pytestmark = pytest.mark.slow

SETTINGS = Settings()
AQ = SETTINGS.asset_quality
# The records whose absence sends each metric down its loan-level path.
RULE_RECORDS = (
    "agg_class_month_rules",
    "agg_bucket_rules",
    "fct_obligation_rules",
    "agg_watchlist_rules",
    "agg_score_period",
)


@dataclass(frozen=True)
class Sample:
    scopes: list[Scope]
    dates: list[date]  # oldest first; the last is the last month end
    months: list[date]  # every month end with snapshots


@pytest.fixture(scope="module")
def warehouse(demo_bank: DemoBank) -> Path:
    given = os.environ.get("DAIHOU_CHECK_WAREHOUSE")
    current = Warehouse(Path(given) if given else demo_bank.settings.warehouse_path)
    path = current.current_file()
    assert path is not None, f"no warehouse at {given}"
    return path


@pytest.fixture(scope="module")
def fast(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def slow(
    warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    copy = tmp_path_factory.mktemp("loan_level") / "wh.duckdb"
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for table in RULE_RECORDS:
            con.execute(f"DROP TABLE {table}")
    with duckdb.connect(str(copy), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def sample(fast: duckdb.DuckDBPyConnection) -> Sample:
    rng = random.Random(int(os.environ.get("DAIHOU_CHECK_SEED", "8")))

    def pick(sql: str, params: dict[str, object] | None = None) -> tuple:
        return rng.choice(fast.execute(sql, params).fetchall())

    root = fast.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchone()[0]
    lending = "SELECT ancestor_org_id FROM bridge_org_subtree JOIN dim_loan USING (org_id)"
    orgs = f"SELECT org_id FROM dim_org WHERE level = $level AND org_id IN ({lending}) ORDER BY 1"
    (branch,) = pick(orgs, {"level": "branch"})
    (sub_branch,) = pick(orgs, {"level": "sub_branch"})
    (product,) = pick("SELECT DISTINCT product FROM dim_loan ORDER BY 1")
    months = [r[0] for r in fast.execute(MONTH_ENDS).fetchall()]
    manager, org = pick(
        "SELECT DISTINCT s.manager_id, st.org_id FROM fct_loan_snapshot AS s "
        "JOIN dim_staff AS st ON st.staff_id = s.manager_id "
        "WHERE s.as_of_date = $last ORDER BY 1",
        {"last": months[-1]},
    )
    return Sample(
        scopes=[
            Scope(root),
            Scope(branch),
            Scope(sub_branch),
            Scope(root, product=product),
            Scope(org, manager_id=manager),
        ],
        dates=[*sorted(rng.sample(months[1:-1], 2)), months[-1]],
        months=months,
    )


MONTH_ENDS = "SELECT DISTINCT as_of_date FROM fct_loan_snapshot ORDER BY 1"
SCOPES = range(5)  # the sample's scopes, by position (a test each, so a failure names it)


def _same(a: object, b: object) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("i", SCOPES)
def test_asset_quality(fast, slow, sample: Sample, i: int) -> None:
    scope, dates = sample.scopes[i], sample.dates
    for as_of in dates:
        for figure in (aq.asset_quality_at, aq.asset_quality_by_org, aq.floor_breaches):
            _same(figure(fast, scope, as_of, AQ), figure(slow, scope, as_of, AQ))
    trend = (scope, dates[0], dates[-1], AQ)
    _same(aq.asset_quality_trend(fast, *trend), aq.asset_quality_trend(slow, *trend))


@pytest.mark.parametrize("i", SCOPES)
def test_migration_and_roll_rates(fast, slow, sample: Sample, i: int) -> None:
    scope = sample.scopes[i]
    for as_of in sample.dates:
        period = (scope, date(as_of.year - 1, 12, 31), as_of)  # opening: the year end before
        if period[1] in sample.months:
            for figure in (migration.migration_matrix, migration.migration_rates):
                _same(figure(fast, *period), figure(slow, *period))
        month = (scope, as_of, AQ)
        _same(
            roll_rates.transition_matrix(fast, *month), roll_rates.transition_matrix(slow, *month)
        )
    trend = (scope, sample.dates[0], sample.dates[-1], AQ)
    _same(roll_rates.flow_rate_trend(fast, *trend), roll_rates.flow_rate_trend(slow, *trend))


@pytest.mark.parametrize("i", SCOPES)
def test_vintage(fast, slow, sample: Sample, i: int) -> None:
    scope = sample.scopes[i]
    for basis in ("current_amount", "ever_count"):
        curves = (scope, AQ.vintage_thresholds[0], basis, AQ)
        _same(vintage_curves(fast, *curves), vintage_curves(slow, *curves))


@pytest.mark.parametrize("i", SCOPES)
def test_inspection_compliance_and_scores(fast, slow, sample: Sample, i: int) -> None:
    scope, as_of = sample.scopes[i], sample.dates[-1]
    rules = SETTINGS.inspection
    year = (scope, period_window(as_of, "year")[0], as_of, as_of, rules)
    for figure in (ob.compliance_by_org, ob.compliance_by_manager, ob.compliance_trend):
        _same(figure(fast, *year), figure(slow, *year))
    if not scope.has_loan_filters:  # scores are kept per org subtree and manager (§7)
        quarter = parse_period(f"{as_of.year}Q{(as_of.month - 1) // 3 + 1}")
        _same(
            scores.manager_scores(fast, scope, quarter, SETTINGS),
            scores.manager_scores(slow, scope, quarter, SETTINGS),
        )


@pytest.mark.parametrize("i", SCOPES)
def test_watch_list(fast, slow, sample: Sample, i: int) -> None:
    scope, rules = sample.scopes[i], Rules.of(SETTINGS)
    for as_of in sample.dates:
        day = (scope, as_of, rules)
        _same(watchlist_summary(fast, *day), watchlist_summary(slow, *day))
