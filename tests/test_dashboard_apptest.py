"""Both pages through Streamlit's AppTest, headless, on the tiny bank (and once on the demo bank).

Shown values are compared with the metric functions' own results, so a page cannot drift from
the figures it claims to show.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from apptest_pages import APP, assert_clean, sign_in
from fixtures_demo import DemoBank
from streamlit.testing.v1 import AppTest

from daihou.settings import AssetQualityRules
from dashboard import data
from dashboard import format as fmt
from dashboard.session import CurrentUser
from metrics import asset_quality, orgs, portfolio
from metrics.scope import Scope
from warehouse.connection import Warehouse

DEC = date(2025, 12, 31)
WAN = fmt.unit_for(0, "zh-CN")
BRANCH_HEAD = CurrentUser("城关分行行长", "branch_head", "100")


@pytest.fixture
def app(use_warehouse: Callable[[Path], None], tiny_bank: Path) -> Callable[..., AppTest]:
    """A fresh AppTest over the tiny bank; keyword arguments become URL query parameters."""
    use_warehouse(tiny_bank)

    def make(user: CurrentUser | None = None, lang: str | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        at.query_params.update(query)
        sign_in(at, user)
        if lang is not None:
            at.session_state["lang"] = lang
        return at.run()

    return make


def summary(tiny_bank: Path, org_id: str, as_of: date = DEC) -> asset_quality.AssetQuality:
    with Warehouse(tiny_bank).connect_read_only() as con:
        return asset_quality.asset_quality_at(con, Scope(org_id), as_of, AssetQualityRules())


def metrics_shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_at_head_office(app: Callable[..., AppTest], tiny_bank: Path) -> None:
    at = app()
    assert_clean(at)
    expected = summary(tiny_bank, "000")
    assert at.title[0].value == "示范农商银行"
    assert metrics_shown(at) == {
        "贷款笔数": fmt.count(expected.loan_count),  # "6"
        "各项贷款（万元）": fmt.amount(expected.total_balance, WAN),  # "210.00"
        "不良贷款（万元）": fmt.amount(expected.npl_balance, WAN),  # "85.00"
        "不良贷款率": fmt.percent(expected.npl_ratio),  # "40.48%"
        "关注类占比": fmt.percent(expected.special_mention_ratio),  # "9.52%"
    }
    classes, children = (df.value for df in at.dataframe)
    assert classes["classification"].tolist() == ["正常", "关注", "次级", "可疑", "损失", "合计"]
    assert classes["loan_count"].tolist() == [2, 1, 1, 1, 1, 6]
    assert children["org_name"].tolist() == ["城关分行", "河西分行", "新区分行"]
    assert children["loan_count"].tolist() == [5, 1, 0]
    assert at.query_params == {"org": "000", "as_of": "2025-12-31"}
    assert not at.main.button  # no way up from the user's own org


def test_overview_at_a_sub_branch_and_back_up(app: Callable[..., AppTest], tiny_bank: Path) -> None:
    at = app(org="110")
    assert_clean(at)
    assert at.title[0].value == "东街支行"
    assert metrics_shown(at)["贷款笔数"] == fmt.count(summary(tiny_bank, "110").loan_count)  # 3
    assert [i.value for i in at.info] == ["东街支行没有下级机构。"]
    at.main.button[0].click().run()  # 返回上级：城关分行
    assert_clean(at)
    assert at.title[0].value == "城关分行"
    assert at.sidebar.selectbox(key="org_id").value == "100"
    assert at.query_params["org"] == "100"


def test_picking_an_org_and_a_month(app: Callable[..., AppTest], tiny_bank: Path) -> None:
    at = app()
    at.sidebar.selectbox(key="org_id").set_value("120")
    at.sidebar.selectbox(key="as_of").set_value(date(2025, 11, 30))
    at.run()
    assert_clean(at)
    expected = summary(tiny_bank, "120", date(2025, 11, 30))
    assert at.title[0].value == "西街支行"
    assert metrics_shown(at)["贷款笔数"] == fmt.count(expected.loan_count)  # L03 L04 L07
    assert at.query_params == {"org": "120", "as_of": "2025-11-30"}


def test_overview_in_english(app: Callable[..., AppTest], tiny_bank: Path) -> None:
    at = app(lang="en", org="110")
    assert_clean(at)
    expected = summary(tiny_bank, "110")
    shown = metrics_shown(at)
    assert shown["NPL ratio"] == fmt.percent(expected.npl_ratio)  # "31.03%"
    assert shown["Total loans (CNY m)"] == "1.45"
    assert [s.value for s in at.subheader] == [
        "Five-class structure",
        "Balance by class (last 36 months)",
        "Sub-units",
    ]
    assert at.dataframe[0].value["classification"].tolist()[:2] == ["Normal", "Special mention"]


def test_switching_language_keeps_the_filters(app: Callable[..., AppTest]) -> None:
    at = app(org="120")
    at.sidebar.radio[0].set_value("en").run()
    assert_clean(at)
    assert at.title[0].value == "西街支行"
    assert "Loans" in metrics_shown(at)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("org", ["000", "110"])
def test_both_pages_render(app: Callable[..., AppTest], lang: str, org: str) -> None:
    at = app(lang=lang, org=org)
    assert_clean(at)  # the overview
    assert at.title[0].value == {"000": "示范农商银行", "110": "东街支行"}[org]
    at.switch_page("views/data_quality.py").run()
    assert_clean(at)
    runs, files, counts, rejects = (df.value for df in at.dataframe)
    assert runs["load_id"].tolist() == [2, 1]
    assert files["rows_rejected"].sum() == 4
    assert counts["problem_count"].sum() == 5
    assert len(rejects) == 5
    reasons = set(rejects["reason"])
    assert ("金额不能为负数" in reasons) == (lang == "zh-CN")
    assert ("amount must not be negative" in reasons) == (lang == "en")
    assert len(at.get("download_button")) == 1


def test_data_quality_filters(app: Callable[..., AppTest]) -> None:
    at = app()
    at.switch_page("views/data_quality.py").run()
    at.text_input(key="dq_text").set_value("金额").run()
    assert_clean(at)
    assert set(at.dataframe[3].value["value"]) == {"abc", "-5000"}
    at.text_input(key="dq_text").set_value("")
    at.selectbox(key="dq_entity_zh-CN").set_value("loans").run()
    assert at.dataframe[3].value["column_name"].tolist() == ["合同金额（contract_amount）"]
    at.selectbox(key="dq_load_zh-CN").set_value(1).run()  # the older load has no rejects
    assert_clean(at)
    assert [i.value for i in at.info] == ["没有符合条件的拒绝行。"]


def test_data_quality_selects_follow_the_language(app: Callable[..., AppTest]) -> None:
    at = app()
    at.switch_page("views/data_quality.py").run()
    at.sidebar.radio[0].set_value("en").run()
    assert_clean(at)
    entity = at.selectbox(key="dq_entity_en")
    assert entity.options[0] == "All" and "Loans" in entity.options
    assert at.selectbox(key="dq_load_en").options[0].startswith("#2")


def test_unknown_org_in_the_link_is_refused(app: Callable[..., AppTest]) -> None:
    at = app(org="999", as_of="2024-01-31")
    assert_clean(at)
    warnings = [w.value for w in at.warning]
    assert any("999" in w and "不存在或不在您的权限范围内" in w for w in warnings)
    assert any("2024-01-31" in w for w in warnings)
    assert at.title[0].value == "示范农商银行"  # the user's own org instead
    assert at.query_params == {"org": "000", "as_of": "2025-12-31"}


def test_org_outside_the_users_subtree_is_refused(app: Callable[..., AppTest]) -> None:
    at = app(user=BRANCH_HEAD, org="200")  # 河西分行 is not under 城关分行
    assert_clean(at)
    assert any("200" in w.value for w in at.warning)
    assert at.title[0].value == "城关分行"
    assert at.sidebar.selectbox(key="org_id").options == ["城关分行", "东街支行", "西街支行"]
    assert metrics_shown(at)["贷款笔数"] == "5"


def test_data_layer_refuses_scopes_outside_the_user(
    use_warehouse: Callable[[Path], None], tiny_bank: Path
) -> None:
    use_warehouse(tiny_bank)
    assert data.asset_quality_at(BRANCH_HEAD, Scope("110"), DEC).loan_count == 3
    for org in ("200", "000", "nonexistent"):
        with pytest.raises(data.ScopeError):
            data.asset_quality_at(BRANCH_HEAD, Scope(org), DEC)
        with pytest.raises(data.ScopeError):
            data.children_breakdown(BRANCH_HEAD, Scope(org), DEC)
    with pytest.raises(data.ScopeError):
        data.scope_for(BRANCH_HEAD, "210")


def test_a_new_load_is_seen_without_restart(
    use_warehouse: Callable[[Path], None], tiny_bank: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "wh.duckdb"  # a plain file: the first load adopts it as a generation
    shutil.copyfile(Warehouse(tiny_bank).current_file(), copy)
    use_warehouse(copy)
    at = AppTest.from_file(APP, default_timeout=30)
    sign_in(at)
    at.run()
    assert metrics_shown(at)["贷款笔数"] == "6"
    with Warehouse(copy).writer() as con:  # a "load": L07 leaves December
        con.execute("DELETE FROM fct_loan_snapshot WHERE loan_id = 'L07' AND as_of_date = ?", [DEC])
    at.run()
    assert_clean(at)
    assert metrics_shown(at)["贷款笔数"] == "5"


def test_csv_download_holds_the_filtered_rejects(
    use_warehouse: Callable[[Path], None], tiny_bank: Path
) -> None:
    use_warehouse(tiny_bank)
    admin = CurrentUser("管理员", "admin", "000")
    csv = data.rejected_rows_csv(admin, 2, "loan_snapshots", None)().decode("utf-8-sig")
    lines = csv.splitlines()
    assert lines[0].startswith("load_id,entity,file_name,row_number,column_name,value")
    assert len(lines) == 1 + 3


def test_missing_warehouse_says_how_to_load(
    use_warehouse: Callable[[Path], None], tmp_path: Path
) -> None:
    use_warehouse(tmp_path / "nothing.duckdb")
    for lang, words in (("zh-CN", "尚未加载数据"), ("en", "No data loaded yet")):
        at = AppTest.from_file(APP, default_timeout=30)
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception
        assert words in at.info[0].value
        assert "daihou load" in at.info[0].value


@pytest.mark.slow
def test_pages_on_the_demo_bank(use_warehouse: Callable[[Path], None], demo_bank: DemoBank) -> None:
    """The real ETL's output, not hand-written rows: both pages render, KPIs match."""
    path = demo_bank.settings.warehouse_path
    use_warehouse(path)
    with Warehouse(path).connect_read_only() as con:
        root = orgs.root_org_id(con)
        latest = portfolio.month_ends(con)[-1]
        rules = demo_bank.settings.asset_quality
        expected = asset_quality.asset_quality_at(con, Scope(root), latest, rules)
        branch = asset_quality.asset_quality_by_org(con, Scope(root), latest, rules)["org_id"][0]
    at = AppTest.from_file(APP, default_timeout=60)
    sign_in(at)
    at.run()
    assert_clean(at)
    assert metrics_shown(at)["贷款笔数"] == fmt.count(expected.loan_count)
    assert metrics_shown(at)["不良贷款率"] == fmt.percent(expected.npl_ratio)
    at.sidebar.selectbox(key="org_id").set_value(branch).run()
    assert_clean(at)
    at.switch_page("views/data_quality.py").run()
    assert_clean(at)
    assert at.dataframe[0].value["load_id"].tolist() == [demo_bank.summary.load_id]
