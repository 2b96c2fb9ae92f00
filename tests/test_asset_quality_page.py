"""资产质量 through Streamlit's AppTest on the demo bank and the real UCI data.

The page's KPI cards are compared with metrics.figures.headline_figures (what `daihou figures`
prints) for the same scope and dates, so the page cannot drift from the machine-readable
figures. Exports are read back with openpyxl.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from apptest_pages import APP, assert_clean, page_opener, sign_in
from fixtures_demo import DemoBank
from streamlit.testing.v1 import AppTest

from daihou.settings import Settings, default_settings
from dashboard import data, exports, kpis
from dashboard import format as fmt
from dashboard.i18n import Lang, code_label, text
from dashboard.session import CurrentUser
from etl.adapters.uci_credit_card import to_extract
from etl.load import load_extract
from metrics.figures import headline_figures
from metrics.scope import Scope
from warehouse.connection import Warehouse

PAGE = "views/asset_quality.py"
UCI_SOURCE = (
    Path(__file__).resolve().parents[1] / "data_sources/uci_credit_card/UCI_Credit_Card.csv"
)
DEC = date(2025, 12, 31)
OPENING = date(2024, 12, 31)  # the previous year end, which the demo bank has
BR02_HEAD = CurrentUser("青山分行行长", "branch_head", "BR02")
ADMIN = CurrentUser("演示用户", "admin", "HO")
CLASSES = ("normal", "special_mention", "substandard", "doubtful")


@pytest.fixture(scope="module")
def uci_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The UCI credit-card file through the adapter and the ordinary load."""
    root = tmp_path_factory.mktemp("uci")
    to_extract(UCI_SOURCE, root / "extract")
    settings = Settings(data_dir=root, warehouse=root / "uci.duckdb")
    load_extract(root / "extract", settings)
    return settings.warehouse_path


@pytest.fixture
def page(use_warehouse: Callable[[Path], None], demo_bank: DemoBank) -> Callable[..., AppTest]:
    """The asset-quality page over the demo bank; keyword arguments become URL parameters."""
    use_warehouse(demo_bank.settings.warehouse_path)
    return page_opener(PAGE)


def shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected_cards(figures: dict[str, object], lang: Lang) -> dict[str, str]:
    """The cards the page must show for these §8 figures, by their labels in ``lang``."""
    cards = {
        text("kpi_npl_ratio", lang): figures["npl_ratio"],
        text("kpi_sm_ratio", lang): figures["special_mention_ratio"],
        text("kpi_overdue_ratio", lang): figures["overdue_ratio"],
        text("kpi_dpd90_to_npl", lang): figures["dpd90_to_npl"],
        text("mig_performing", lang): figures["performing_migration_rate"],
        text("entry_rate", lang): figures["entry_rate"],
        text("cure_rate", lang): figures["cure_rate_m1"],
    }
    for cls in CLASSES:
        label = text("mig_rate", lang, cls=code_label("classification", cls, lang))
        cards[label] = figures[f"migration_rate_{cls}"]
    for k in range(4):
        label = text("flow_rate", lang, from_bucket=f"M{k}", to_bucket=f"M{k + 1}")
        cards[label] = figures[f"flow_rate_m{k}_m{k + 1}"]
    out = {label: fmt.percent(value) for label, value in cards.items()}
    out[text("kpi_breaches", lang)] = fmt.count(figures["floor_breach_count"])
    return out


def figures_for(bank: DemoBank, scope: Scope, as_of: date = DEC) -> dict[str, object]:
    with Warehouse(bank.settings.warehouse_path).connect_read_only() as con:
        return headline_figures(con, scope, as_of, OPENING, bank.settings)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("org", ["HO", "BR01-S01"])
def test_cards_equal_the_headline_figures(
    page: Callable[..., AppTest], demo_bank: DemoBank, lang: Lang, org: str
) -> None:
    at = page(lang=lang, org=org)
    assert_clean(at)
    expected = expected_cards(figures_for(demo_bank, Scope(org)), lang)
    cards = shown(at)
    assert {label: cards[label] for label in expected} == expected
    assert at.selectbox(key=f"aq_opening_{DEC}").value == OPENING  # the §8 default opening
    assert len(at.get("plotly_chart")) == (8 if org == "HO" else 7)


@pytest.mark.slow
def test_head_office_sections(page: Callable[..., AppTest], demo_bank: DemoBank) -> None:
    at = page()
    assert_clean(at)
    assert at.title[0].value == "江川农商银行总行 · 资产质量"
    assert [s.value for s in at.subheader] == [
        "分机构不良贷款率与五级分类结构",
        "资产质量走势",
        "五级分类迁徙（贷款迁徙率）",
        "逾期分档与滚动率",
        "账龄分析（Vintage）",
        "分类偏离清单",
    ]
    units, rates, breaches = (df.value for df in at.dataframe)
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        total = headline_figures(con, Scope("HO"), DEC, OPENING, demo_bank.settings)
    assert units["loan_count"].sum() == total["loan_count"]  # the rows add up to the org
    assert rates["rate"].iloc[0] == pytest.approx(total["migration_rate_normal"] * 100)
    assert len(breaches) == total["floor_breach_count"]
    assert set(breaches.columns) >= {"customer_name", "balance", "floor_class"}
    assert len(at.get("download_button")) == 2
    # every selector redraws without an error
    at.button_group(key="aq_measure").set_value("loan_count").run()
    at.button_group(key="aq_transition_basis").set_value("balance").run()
    at.button_group(key="aq_vintage_basis").set_value("ever_count").run()
    at.button_group(key="aq_vintage_threshold").set_value(90).run()
    assert_clean(at)


@pytest.mark.slow
def test_filters_narrow_every_figure(page: Callable[..., AppTest], demo_bank: DemoBank) -> None:
    at = page()
    at.selectbox(key="aq_product_zh-CN").set_value("personal_consumer").run()
    at.selectbox(key="aq_customer_type_zh-CN").set_value("individual").run()
    assert_clean(at)
    scope = Scope("HO", product="personal_consumer", customer_type="individual")
    expected = expected_cards(figures_for(demo_bank, scope), "zh-CN")
    assert {label: shown(at)[label] for label in expected} == expected
    assert "贷款品种：个人消费；客户类型：个人" in at.caption[0].value


@pytest.mark.slow
def test_chosen_opening_and_closing(page: Callable[..., AppTest], demo_bank: DemoBank) -> None:
    at = page()
    at.selectbox(key=f"aq_opening_{DEC}").set_value(date(2025, 6, 30)).run()
    at.selectbox(key=f"aq_closing_{DEC}").set_value(date(2025, 9, 30)).run()
    assert_clean(at)
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        figures = headline_figures(
            con, Scope("HO"), date(2025, 9, 30), date(2025, 6, 30), demo_bank.settings
        )
    assert shown(at)["正常类贷款迁徙率"] == fmt.percent(figures["migration_rate_normal"])
    at.selectbox(key=f"aq_closing_{DEC}").set_value(date(2025, 3, 31)).run()  # before opening
    assert_clean(at)
    assert [w.value for w in at.warning] == ["期末须晚于期初：请另选期初或期末。"]


@pytest.mark.slow
def test_up_from_a_sub_branch(page: Callable[..., AppTest]) -> None:
    at = page(org="BR01-S01")
    assert_clean(at)
    assert "临河开发区支行没有下级机构。" in [i.value for i in at.info]
    at.main.button[0].click().run()  # 返回上级：临河分行
    assert_clean(at)
    assert at.title[0].value == "临河分行 · 资产质量"
    assert at.dataframe[0].value["org_name"].iloc[0] == "临河开发区支行"


@pytest.mark.slow
def test_org_outside_the_user_is_refused(
    use_warehouse: Callable[[Path], None], demo_bank: DemoBank
) -> None:
    use_warehouse(demo_bank.settings.warehouse_path)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["org"] = "BR01-S01"  # 临河 is not under 青山分行
    sign_in(at, BR02_HEAD)
    at.run()
    assert any("BR01-S01" in w.value for w in at.warning)  # refused where the link is read
    at.switch_page(PAGE).run()
    assert_clean(at)
    assert at.title[0].value == "青山分行 · 资产质量"
    assert at.sidebar.selectbox(key="org_id").value == "BR02"


@pytest.mark.slow
def test_data_layer_refuses_scopes_outside_the_user(
    use_warehouse: Callable[[Path], None], demo_bank: DemoBank
) -> None:
    use_warehouse(demo_bank.settings.warehouse_path)
    own = Scope("BR02-S01")
    assert data.flow_rates(BR02_HEAD, own, DEC).month == DEC
    calls: list[Callable[[Scope], object]] = [
        lambda s: data.asset_quality_by_org(BR02_HEAD, s, DEC),
        lambda s: data.migration_matrix(BR02_HEAD, s, OPENING, DEC),
        lambda s: data.migration_rates(BR02_HEAD, s, OPENING, DEC),
        lambda s: data.transition_matrix(BR02_HEAD, s, DEC),
        lambda s: data.flow_rates(BR02_HEAD, s, DEC),
        lambda s: data.flow_rate_trend(BR02_HEAD, s, OPENING, DEC),
        lambda s: data.vintage_curves(BR02_HEAD, s, 30, "current_amount", DEC),
        lambda s: data.floor_breaches(BR02_HEAD, s, DEC),
    ]
    for call in calls:
        call(own)
        for org in ("HO", "BR01", "BR01-S01", "nonexistent"):
            with pytest.raises(data.ScopeError):
                call(Scope(org, product="personal_consumer"))
    with pytest.raises(data.ScopeError):
        data.scope_for(BR02_HEAD, "BR01", product="farmer")


@pytest.mark.slow
def test_vintage_stops_at_the_data_date(
    use_warehouse: Callable[[Path], None], demo_bank: DemoBank
) -> None:
    use_warehouse(demo_bank.settings.warehouse_path)
    as_of = date(2024, 6, 30)
    curves = data.vintage_curves(ADMIN, Scope("HO"), 30, "ever_count", as_of)
    cohort = pd.to_datetime(curves["cohort_month"])
    assert cohort.max() == pd.Timestamp(as_of)
    assert (
        (as_of.year - cohort.dt.year) * 12 + as_of.month - cohort.dt.month >= curves["mob"]
    ).all()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_real_data_with_a_short_history(
    use_warehouse: Callable[[Path], None], uci_bank: Path, lang: Lang
) -> None:
    """Six month ends, no previous year end, every loan disbursed before the data starts."""
    use_warehouse(uci_bank)
    open_page = page_opener(PAGE)
    at = open_page(lang=lang)
    assert_clean(at)
    info = " ".join(i.value for i in at.info)
    assert ("没有可分析的放款批次" in info) == (lang == "zh-CN")
    captions = " ".join(c.value for c in at.caption)
    assert text("aq_opening_missing", lang, year_end="2004-12-31") in captions
    with Warehouse(uci_bank).connect_read_only() as con:
        figures = headline_figures(
            con, Scope("U000"), date(2005, 9, 30), date(2005, 4, 30), default_settings()
        )
    expected = expected_cards(figures, lang)
    assert {label: shown(at)[label] for label in expected} == expected

    at = open_page(lang=lang, as_of="2005-04-30")  # the first month end: nothing to compare
    assert_clean(at)
    messages = [i.value for i in at.info]
    for key in ("aq_no_migration", "aq_no_previous_month"):
        assert text(key, lang, as_of="2005-04-30") in messages
    assert text("aq_no_flow_trend", lang) in messages


def test_migration_cards_state_their_parts() -> None:
    from metrics.migration import CohortMigration, MigrationRates

    def cohort(cls: str, rate: float | None) -> CohortMigration:
        d = Decimal
        return CohortMigration(cls, 3, d(1_000_000), d(400_000), d(600_000), d(60_000), rate)

    rates = MigrationRates(
        OPENING,
        DEC,
        cohort("normal", 0.1),
        cohort("special_mention", None),
        cohort("substandard", 0.1),
        cohort("doubtful", 0.1),
        Decimal(30_000),
        Decimal(1_200_000),
        0.025,
    )
    normal, special, *_, performing = kpis.migration_cards(rates, "zh-CN")
    assert (normal.label, normal.value) == ("正常类贷款迁徙率", "10.00%")
    assert normal.help.startswith(
        "正常类贷款迁徙率 = 期初正常类贷款中期末转为关注、次级、可疑、损失类的余额 / "
        "(期初正常类贷款余额 − 期初正常类贷款期间减少金额)。"
    )
    assert "分子 6.00 万元；分母 60.00 万元（期初余额 100.00 万元 − 期间减少金额 40.00 万元）" in (
        normal.help
    )
    assert special.value == "—"  # a denominator of 0: no figure
    assert (performing.label, performing.value) == ("正常贷款迁徙率", "2.50%")
    english = kpis.migration_cards(rates, "en")[1]
    assert english.label == "Special mention migration rate"
    assert "now substandard, doubtful or loss" in english.help


def test_breach_exports() -> None:
    frame = pd.DataFrame(
        {
            "loan_id": ["L2", "L1"],
            "customer_id": ["C2", "C1"],
            "customer_name": ["李雨涛", None],
            "customer_type": ["individual", "corporate"],
            "org_id": ["S1", "S2"],
            "org_name": ["白水支行", "青山支行"],
            "manager_id": ["E1", "E2"],
            "product": ["personal_consumer", "working_capital"],
            "balance": [1234567.891, 25000.0],
            "days_past_due": [600, 177],
            "classification": ["doubtful", "special_mention"],
            "floor_class": ["loss", "substandard"],
        }
    )
    table = exports.floor_breaches(frame, "zh-CN")
    title = "分类偏离清单 · 总行 · 数据日期 2025-12-31 · 金额单位：元"
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx(table, title, "分类偏离清单")))
    ws = book["分类偏离清单"]
    assert ws["A1"].value == title
    headers = [c.value for c in ws[2]]
    assert headers[:3] == ["借据号", "客户号", "客户名称"]
    balance = ws.cell(3, headers.index("余额（元）") + 1)
    assert (balance.value, balance.number_format) == (1234567.89, "#,##0.00")
    assert ws.cell(4, 3).value is None  # a missing name stays blank
    assert [c.value for c in ws[4]][-2:] == ["关注", "次级"]

    csv = exports.csv(table)
    assert csv.startswith("\ufeff".encode())
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[7] == "余额（元）"
    assert lines[1].split(",")[7] == "1234567.89"
    assert lines[2].split(",")[7] == "25000.00"


def test_rules_in_words() -> None:
    rules = default_settings().asset_quality
    zh = fmt.bucket_ranges(rules.bucket_labels, rules.bucket_upper_edges, "zh-CN")
    assert zh.startswith("M0 未逾期；M1 1–30 天；M2 31–60 天")
    assert zh.endswith("M6 151–180 天；M7+ 180 天以上")
    assert fmt.floor_rules(rules.classification_floors, "en").startswith(
        "over 7 days at least special mention; over 90 days at least substandard"
    )
    assert code_label("industry_code", "C", "zh-CN") == "C 制造业"
    assert code_label("loan_status", "transferred", "zh-CN") == "转让"
