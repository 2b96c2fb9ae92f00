"""The inspection page (贷后检查) in Streamlit's AppTest over the demo bank.

Its cards show what `daihou figures` prints (METRICS.md §8, section 5) for the same scope and
dates; its ranking recovers the diligence the generator planted; every list names customers
with a link to their borrower file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from apptest_pages import assert_clean, page_opener
from fixtures_demo import DemoBank
from streamlit.testing.v1 import AppTest

from dashboard import format as fmt
from dashboard.i18n import Lang, text
from metrics.figures import headline_figures
from metrics.obligations import compliance_by_manager
from metrics.scope import Scope
from warehouse.connection import Warehouse

PAGE = "views/inspection.py"
DEC = date(2025, 12, 31)
YEAR_START = date(2024, 12, 31)

pytestmark = pytest.mark.slow


@pytest.fixture
def page(use_warehouse: Callable[[Path], None], demo_bank: DemoBank) -> Callable[..., AppTest]:
    use_warehouse(demo_bank.settings.warehouse_path)

    return page_opener(PAGE, timeout=90)


@pytest.mark.parametrize(("lang", "org"), [("zh-CN", "HO"), ("en", "BR01-S01")])
def test_cards_equal_the_headline_figures(
    page: Callable[..., AppTest], demo_bank: DemoBank, lang: Lang, org: str
) -> None:
    at = page(lang=lang, state={"ins_period": "year"}, org=org)
    assert_clean(at)
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        figures = headline_figures(con, Scope(org), DEC, YEAR_START, demo_bank.settings)
    shown = {m.label: m.value for m in at.metric}
    assert shown[text("ins_kpi_due", lang)] == fmt.count(figures["obligations_due"])
    assert shown[text("ins_kpi_on_time_rate", lang)] == fmt.percent(figures["on_time_rate"])
    assert shown[text("ins_kpi_completion_rate", lang)] == fmt.percent(figures["completion_rate"])
    assert shown[text("ins_kpi_overdue", lang)] == fmt.count(figures["obligations_overdue"])
    assert shown[text("ins_kpi_report_share", lang)] == fmt.percent(figures["report_quality_rate"])


def test_every_section_renders_and_lists_link_to_the_borrower_file(
    page: Callable[..., AppTest],
) -> None:
    at = page(org="BR01")
    assert_clean(at)
    headings = [s.value for s in at.subheader]
    for key in ("ins_by_org", "ins_by_manager", "ins_trend", "ins_by_kind", "ins_backlog"):
        assert text(key, "zh-CN") in headings
    backlog = next(
        df.value for df in at.dataframe if "customer" in df.value.columns and len(df.value)
    )
    assert backlog["customer"].str.startswith("borrower?customer=").all()
    # the due-soon window switches between 7 and 30 days
    at.segmented_control(key="ins_due_soon_days").set_value(30).run()
    assert_clean(at)


def test_a_sub_branch_without_sub_units_says_so(page: Callable[..., AppTest]) -> None:
    at = page(org="BR01-S01")
    assert_clean(at)
    assert any("下级机构" in i.value or "sub-unit" in i.value for i in at.info)


def test_ranking_puts_diligent_managers_above_lax_ones(demo_bank: DemoBank) -> None:
    """The generator's planted profiles: every diligent manager ranks above every lax one by
    on-time rate over the last year (the ranking the page shows)."""
    with open(demo_bank.extract / "_truth" / "manager_diligence.csv", encoding="utf-8") as fh:
        profile = {r["staff_id"]: r["profile"] for r in csv.DictReader(fh)}
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        ranking = compliance_by_manager(
            con, Scope("HO"), YEAR_START, DEC, DEC, demo_bank.settings.inspection
        )
    ranking = ranking[ranking.due >= 20].reset_index(drop=True)  # enough to rank on
    ranks = ranking.assign(profile=ranking.manager_id.map(profile)).groupby("profile").groups
    diligent, lax = ranks["diligent"], ranks["lax"]
    assert len(diligent) and len(lax)
    assert max(diligent) < min(lax), (sorted(diligent), sorted(lax))
