"""风险预警 · 问题客户清单 through Streamlit's AppTest on the demo bank.

The page's KPI cards are compared with metrics.watchlist for the same scope, month end and
filters, and the count with what `daihou figures` prints (watchlist_count), so the page cannot
drift from the metric. The download is built from the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from apptest_pages import assert_clean, page_opener
from fixtures_demo import DemoBank
from streamlit.testing.v1 import AppTest

from daihou.settings import Settings, WatchlistRules
from dashboard import format as fmt
from dashboard import watchlist_tables as wtables
from dashboard.data import ScopeError
from dashboard.data import watchlist as wdata
from dashboard.i18n import Lang, text
from dashboard.session import CurrentUser
from metrics.figures import headline_figures
from metrics.scope import Scope
from metrics.watchlist import EVERYONE, SEVERITIES, Rules, WatchlistFilter, WatchlistSummary
from metrics.watchlist import watchlist_summary as metric_summary
from warehouse.connection import Warehouse

PAGE = "views/watchlist.py"
DEC = date(2025, 12, 31)
BR02_HEAD = CurrentUser("青山分行行长", "branch_head", "BR02")
ADMIN = CurrentUser("演示用户", "admin", "HO")


@pytest.fixture
def page(use_warehouse: Callable[[Path], None], demo_bank: DemoBank) -> Callable[..., AppTest]:
    """The watch-list page over the demo bank; keyword arguments become URL parameters."""
    use_warehouse(demo_bank.settings.warehouse_path)
    return page_opener(PAGE)


def expected(bank: DemoBank, scope: Scope, filters: WatchlistFilter = EVERYONE) -> WatchlistSummary:
    with Warehouse(bank.settings.warehouse_path).connect_read_only() as con:
        return metric_summary(con, scope, DEC, Rules.of(bank.settings), filters)


def cards(summary: WatchlistSummary, lang: Lang) -> dict[str, str]:
    """The cards the page must show for ``summary``, by label."""
    unit = fmt.unit_for(summary.balance, lang)
    out = {
        text("wl_kpi_count", lang): fmt.count(summary.customer_count),
        text("with_unit", lang, label=text("wl_kpi_balance", lang), unit=unit.label): fmt.amount(
            summary.balance, unit
        ),
    }
    for s in SEVERITIES:
        label = text("wl_kpi_severity", lang, severity=wtables.severity_label(s, lang))
        out[label] = fmt.count(summary.by_severity[s])
    return out


def shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_head_office(page: Callable[..., AppTest], demo_bank: DemoBank, lang: Lang) -> None:
    at = page(lang=lang)
    assert_clean(at)
    summary = expected(demo_bank, Scope("HO"))
    assert summary.customer_count > 100
    assert shown(at) == cards(summary, lang)
    assert at.title[0].value == text("wl_title", lang, org="江川农商银行总行")
    assert len(at.get("plotly_chart")) == 2  # by trigger, by sub-unit
    table = at.dataframe[0].value
    assert len(table) == min(summary.customer_count, wdata.LIST_LIMIT)
    assert table["customer"].str.startswith("borrower?customer=").all()
    assert table["customer"].str.endswith(f"as_of={DEC.isoformat()}").all()
    assert table["score"].is_monotonic_decreasing
    assert len(at.get("download_button")) == 2
    # the count is the one `daihou figures` prints
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        figures = headline_figures(con, Scope("HO"), DEC, None, demo_bank.settings)
    assert fmt.count(figures["watchlist_count"]) == shown(at)[text("wl_kpi_count", lang)]


@pytest.mark.slow
def test_sub_branch(page: Callable[..., AppTest], demo_bank: DemoBank) -> None:
    at = page(org="BR01-S01")
    assert_clean(at)
    summary = expected(demo_bank, Scope("BR01-S01"))
    assert shown(at) == cards(summary, "zh-CN")
    assert at.title[0].value == "临河开发区支行 · 问题客户清单"
    assert len(at.get("plotly_chart")) == 2  # by trigger, by manager (no sub-units)
    assert [s.value for s in at.subheader][:2] == ["按触发项", "按客户经理"]
    assert len(at.dataframe[0].value) == summary.customer_count  # all shown


@pytest.mark.slow
def test_filters_narrow_the_list(page: Callable[..., AppTest], demo_bank: DemoBank) -> None:
    at = page()
    whole = expected(demo_bank, Scope("HO"))
    at.multiselect(key="wl_triggers_zh-CN").set_value(["npl", "red_signal"]).run()
    assert_clean(at)
    npl_or_red = expected(demo_bank, Scope("HO"), WatchlistFilter(("npl", "red_signal")))
    assert shown(at) == cards(npl_or_red, "zh-CN")
    assert 0 < npl_or_red.customer_count < whole.customer_count
    assert any("筛选：触发项：" in c.value for c in at.caption)

    at.multiselect(key="wl_severity_zh-CN").set_value(["high"]).run()
    assert_clean(at)
    high = expected(demo_bank, Scope("HO"), WatchlistFilter(("npl", "red_signal"), ("high",)))
    assert shown(at) == cards(high, "zh-CN")
    assert set(at.dataframe[0].value["severity"]) == {"高"}

    manager = at.selectbox(key=f"wl_manager_HO_{DEC}_zh-CN").options[1]  # the busiest manager
    at.selectbox(key=f"wl_manager_HO_{DEC}_zh-CN").select_index(1).run()
    assert_clean(at)
    table = at.dataframe[0].value
    assert len(table) >= 1
    assert manager.startswith(table["manager"].iloc[0])
    assert shown(at)[text("wl_kpi_count", "zh-CN")] == fmt.count(len(table))


@pytest.mark.slow
def test_download_holds_the_filtered_list(
    use_warehouse: Callable[[Path], None], demo_bank: DemoBank
) -> None:
    use_warehouse(demo_bank.settings.warehouse_path)
    scope = Scope("BR01")
    filters = WatchlistFilter(severities=("high", "medium"))
    rows = wdata.export_rows(ADMIN, scope, DEC, filters)()
    table = wtables.export(rows, wdata.rules(), "zh-CN")
    summary = wdata.summary(ADMIN, scope, DEC, filters)
    assert len(table) == summary.customer_count
    assert set(table["风险等级"]) <= {"高", "中"}
    assert sum(table["余额（元）"]) == summary.balance
    assert list(table.columns)[:3] == ["客户号", "客户名称", "客户类型"]


@pytest.mark.slow
def test_data_layer_refuses_scopes_outside_the_user(
    use_warehouse: Callable[[Path], None], demo_bank: DemoBank
) -> None:
    use_warehouse(demo_bank.settings.warehouse_path)
    own = Scope("BR02-S01")
    everyone = WatchlistFilter()
    calls: list[Callable[[Scope], object]] = [
        lambda s: wdata.summary(BR02_HEAD, s, DEC, everyone),
        lambda s: wdata.listing(BR02_HEAD, s, DEC, everyone),
        lambda s: wdata.by_org(BR02_HEAD, s, DEC, everyone),
        lambda s: wdata.by_manager(BR02_HEAD, s, DEC, everyone),
        lambda s: wdata.export_rows(BR02_HEAD, s, DEC, everyone),
    ]
    for call in calls:
        call(own)
        for org in ("HO", "BR01", "nonexistent"):
            with pytest.raises(ScopeError):
                call(Scope(org))


def test_labels_say_the_configured_rules() -> None:
    settings = Settings(
        watchlist=WatchlistRules(
            dpd_high_days=60, downgrade_window_months=6, orange_signal_points=0
        )
    )
    rules = Rules.of(settings)
    assert wtables.trigger_label("dpd_high", rules, "zh-CN") == "逾期60天以上"
    assert wtables.trigger_label("dpd", rules, "zh-CN") == "逾期60天以内"
    assert wtables.trigger_label("dpd_high", rules, "zh-CN", short=True) == "逾期>60天"
    assert wtables.trigger_label("downgrade", rules, "en") == "Downgraded in 6 months"
    assert wtables.trigger_label("collateral_gap", rules, "zh-CN") == "押品覆盖率低于1或评估超365天"
    lines = wtables.rule_lines(rules, "zh-CN")
    assert lines[0] == "红色预警未解除：40 分"
    assert lines[1] == "橙色预警未解除：已关闭"
    assert wtables.severity_band("medium", rules, "zh-CN") == "30–59 分"
    assert wtables.severity_band("low", rules, "en") == "29 points or less"
