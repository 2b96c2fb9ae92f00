"""客户视图 through Streamlit's AppTest, on the hand-written bank of tests/test_borrower.py.

Search, opening a customer from the URL (as other pages link to it), the data date, the
refusal of unknown and out-of-scope customers, and the data layer's own refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from apptest_pages import assert_clean, page_opener
from extract_builder import write_extract
from streamlit.testing.v1 import AppTest
from test_borrower import TABLES

from daihou.settings import Settings
from dashboard import links
from dashboard.data import ScopeError
from dashboard.data import borrower as bd
from dashboard.session import CurrentUser
from etl.load import load_extract

PAGE = "views/borrower.py"
AS_OF = date(2025, 6, 30)
ADMIN = CurrentUser("演示用户", "admin", "HO")
BR1_HEAD = CurrentUser("城关分行行长", "branch_head", "BR1")
BR2_HEAD = CurrentUser("河西分行行长", "branch_head", "BR2")
SECTIONS = [
    "借据",
    "借据月度走势",
    "检查义务与检查记录",
    "风险预警信号",
    "押品与覆盖率",
    "催收记录",
]


@pytest.fixture(scope="module")
def borrower_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("borrower_page")
    settings = Settings(data_dir=root, warehouse=root / "wh.duckdb")
    summary = load_extract(write_extract(root / "extract", TABLES), settings)
    assert summary.rows_rejected == 0
    return settings.warehouse_path


@pytest.fixture
def page(use_warehouse: Callable[[Path], None], borrower_bank: Path) -> Callable[..., AppTest]:
    """The borrower page; keyword arguments become URL parameters."""
    use_warehouse(borrower_bank)
    return page_opener(PAGE)


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_without_a_customer_the_page_asks_for_one(page: Callable[..., AppTest]) -> None:
    at = page()
    assert_clean(at)
    assert at.title[0].value == "客户视图"
    assert "请输入客户号或客户名称" in at.info[0].value


def test_opened_from_a_link(page: Callable[..., AppTest]) -> None:
    at = page(customer="C1", as_of="2025-06-30")
    assert_clean(at)
    assert at.header[0].value == "青山建材有限公司"
    assert [s.value for s in at.subheader] == SECTIONS
    shown = cards(at)
    # METRICS.md §1 for C1 at 2025-06-30: LA 1,000,000 + LB 450,000 on the book; LB 95 days
    assert shown["在账贷款笔数"] == "2"
    assert shown["贷款余额"] == "145.00 万元"
    assert shown["不良贷款余额"] == "0.00 万元"
    assert shown["最差五级分类"] == "关注"
    assert shown["最长逾期天数"] == "95"
    assert shown["押品覆盖率"] == "86.90%"  # (900,000 + 300,000 + 60,000) / 1,450,000
    assert shown["未解除预警"] == "2"  # W2 handling, W3 open
    # first LB and LC, fund flow LB and LC, the red signal W1's special inspection, K4's
    # revaluation
    assert shown["逾期未做检查"] == "6"
    assert shown["收回金额"] == "2.00 万元"
    frames = [d.value for d in at.dataframe]
    ratings, loans, obligations, inspections, signals, coverage, items, appraisals, actions = frames
    assert ratings["credit_rating"].tolist() == ["A", "BBB", "A"]
    assert loans["loan_id"].tolist() == ["LA", "LB", "LC"]
    assert loans["balance"].tolist() == [100.0, 45.0, 0.0]  # 万元
    assert loans["classification"].tolist() == ["正常", "关注", "正常"]
    assert loans["floor_class"].iloc[1] == "分类偏离：次级"
    assert obligations["status"].iloc[0] == "未到期"  # latest due first: routine 08-20
    assert set(obligations["status"]) == {"按时完成", "逾期完成", "逾期未完成", "未到期"}
    assert len(inspections) == 8
    assert inspections["satisfied"].iloc[0] == "—（未对应义务）"  # IA6, a guarantor check
    assert signals["status"].tolist() == ["已解除", "处置中", "未处置"]
    assert coverage["coverage"].round(2).tolist() == [80.0, 90.0]
    assert items["is_stale"].tolist() == ["", "", "待重估", ""]
    assert len(appraisals) == 5
    assert actions["amount_recovered"].tolist() == [20000.0, 0.0]
    assert len(at.get("plotly_chart")) == 2
    # the loan picker starts on the loan with the worst history: LB, 95 days
    assert at.selectbox(key="bw_loan_C1").value == "LB"
    at.selectbox(key="bw_loan_C1").set_value("LA").run()
    assert_clean(at)


def test_the_data_date_applies(page: Callable[..., AppTest]) -> None:
    at = page(customer="C1", as_of="2025-03-31")
    assert_clean(at)
    shown = cards(at)
    assert (shown["在账贷款笔数"], shown["贷款余额"], shown["最长逾期天数"]) == (
        "2",
        "150.00 万元",
        "20",
    )
    assert shown["未解除预警"] == "1"  # only W3 had been raised
    assert "催收记录" in [s.value for s in at.subheader]
    assert "数据日期前没有催收记录。" in [i.value for i in at.info]


def test_search_by_name_and_by_id(page: Callable[..., AppTest]) -> None:
    at = page()
    at.text_input(key="bw_search").input("明").run()
    assert_clean(at)
    picker = at.selectbox(key="bw_pick_明")
    assert picker.options == [
        "C2 · 李小明 · 个人 · 东街支行",
        "C3 · 王大明 · 个体工商户 · 河西支行",
    ]
    assert picker.value is None  # two matches: the user picks
    picker.set_value("C3").run()
    assert_clean(at)
    assert at.header[0].value == "王大明"
    assert at.query_params[links.CUSTOMER_PARAM] == "C3"
    # an exact id opens at once
    at.text_input(key="bw_search").input("c2").run()
    assert_clean(at)
    assert at.header[0].value == "李小明"


def test_search_finds_nothing_outside_the_sidebar_org(page: Callable[..., AppTest]) -> None:
    at = page(user=BR1_HEAD)
    at.text_input(key="bw_search").input("王大明").run()
    assert_clean(at)
    assert "没有找到与“王大明”相符的客户" in at.info[0].value
    at.text_input(key="bw_search").input("%' OR 1=1 --").run()
    assert_clean(at)
    assert "没有找到" in at.info[0].value


@pytest.mark.parametrize("customer", ["C3", "CX", "' OR 1=1 --"])
def test_a_customer_outside_the_scope_is_refused(
    page: Callable[..., AppTest], customer: str
) -> None:
    at = page(user=BR1_HEAD, customer=customer)
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"客户“{customer}”不存在，或在您的权限范围（城关分行）内没有贷款，无法查看。"
    ]
    assert not at.dataframe and not at.metric  # nothing of the customer is shown


def test_english(page: Callable[..., AppTest]) -> None:
    at = page(lang="en", customer="C1")
    assert_clean(at)
    assert at.title[0].value == "Borrower file"
    assert cards(at)["Collateral coverage"] == "86.90%"


def test_data_layer_refuses_customers_outside_the_user(
    use_warehouse: Callable[[Path], None], borrower_bank: Path
) -> None:
    use_warehouse(borrower_bank)
    assert bd.loans(BR1_HEAD, "C1", AS_OF)["loan_id"].tolist() == ["LA", "LB", "LC"]
    calls: list[Callable[[CurrentUser], object]] = [
        lambda u: bd.profile(u, "C1", AS_OF),
        lambda u: bd.rating_history(u, "C1", AS_OF),
        lambda u: bd.loans(u, "C1", AS_OF),
        lambda u: bd.loan_history(u, "C1", AS_OF),
        lambda u: bd.obligations(u, "C1", AS_OF),
        lambda u: bd.inspections(u, "C1", AS_OF),
        lambda u: bd.signals(u, "C1", AS_OF),
        lambda u: bd.collateral(u, "C1", AS_OF),
        lambda u: bd.collections(u, "C1", AS_OF),
    ]
    for call in calls:
        call(ADMIN)
        with pytest.raises(ScopeError):
            call(BR2_HEAD)
    with pytest.raises(ScopeError):
        bd.authorise_customer(BR2_HEAD, "C1")
    with pytest.raises(ScopeError):  # searching an org outside the user's subtree
        bd.search(BR2_HEAD, "BR1", "建材")
    assert bd.search(BR2_HEAD, "BR2", "明")["customer_id"].tolist() == ["C3"]
