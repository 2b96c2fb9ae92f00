"""The dashboard in a real browser: Streamlit as its own process, Debian chromium via Playwright.

Saves full-page screenshots to tests/artifacts/ for a human to look at. The plumbing (serving,
the browser tab, settling) is in fixtures_browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest
from fixtures_browser import ARTIFACTS, CHROMIUM, ROW_HEIGHT, UCI_SOURCE, serve, settle, sign_in
from playwright.sync_api import Page

from daihou.settings import Settings
from etl.adapters.uci_credit_card import to_extract
from etl.load import load_extract

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]


def test_overview_drill_down_and_data_quality(app_url: str, page: Page) -> None:
    expect = playwright_sync.expect
    page.set_viewport_size({"width": 1440, "height": 2000})
    sign_in(page, app_url)
    page.goto(app_url)

    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="示范农商银行")).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    expect(main.locator('[data-testid="stMetricValue"]').first).to_have_text("6")
    settle(page)
    page.screenshot(path=ARTIFACTS / "overview_head_office.png", full_page=True)

    # drill down: tick the first sub-unit's row (城关分行), then back up
    children = main.locator('[data-testid="stDataFrame"]').nth(1)
    box = children.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + ROW_HEIGHT * 1.5)
    expect(main.get_by_role("heading", name="城关分行")).to_be_visible()
    expect(main.locator('[data-testid="stMetricValue"]').first).to_have_text("5")
    main.get_by_role("button", name="返回上级：示范农商银行").click()
    expect(main.get_by_role("heading", name="示范农商银行")).to_be_visible()

    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
    picker.click()
    page.keyboard.type("东街")
    page.get_by_role("option", name="城关分行 / 东街支行").click()
    expect(main.get_by_role("heading", name="东街支行")).to_be_visible()
    expect(main.locator('[data-testid="stMetricValue"]').first).to_have_text("3")
    expect(page).to_have_url(re.compile(r"[?&]org=110(&|$)"))
    settle(page)
    page.screenshot(path=ARTIFACTS / "overview_sub_branch.png", full_page=True)

    page.locator('[data-testid="stSidebarNav"]').get_by_text("数据质量").click()
    expect(main.get_by_role("heading", name="数据质量")).to_be_visible()
    expect(main.get_by_role("heading", name="拒绝行")).to_be_visible()
    settle(page)
    page.screenshot(path=ARTIFACTS / "data_quality.png", full_page=True)

    with page.expect_download() as download:
        main.get_by_role("button", name="下载筛选后的拒绝行（CSV）").click()
    csv = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(csv) == 1 + 5  # header and the five rejected (row, problem) pairs

    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_the_language_chosen_survives_a_reload(app_url: str, page: Page) -> None:
    """English is kept by the browser (a cookie), so a reload or a bookmark opens in it."""
    expect = playwright_sync.expect
    sign_in(page, app_url)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("English").click()
    expect(sidebar.get_by_role("button", name="Sign out")).to_be_visible()
    settle(page)
    page.reload()
    expect(sidebar.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator('[data-testid="stSidebarNav"]').get_by_text("Overview")).to_be_visible()

    sidebar.get_by_text("中文").click()
    expect(sidebar.get_by_role("button", name="退出登录")).to_be_visible()
    settle(page)
    page.goto(app_url + "/inspection")
    expect(sidebar.get_by_role("button", name="退出登录")).to_be_visible()


def test_demo_bank_pages(demo_url: str, page: Page) -> None:
    """The pages on the realistic demo bank, at the head office and at one sub-branch."""
    expect = playwright_sync.expect
    sign_in(page, demo_url)
    page.goto(demo_url)
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    settle(page)
    page.screenshot(path=ARTIFACTS / "demo_overview_head_office.png", full_page=True)

    page.goto(demo_url + "/?org=BR01-S01")
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    settle(page)
    page.screenshot(path=ARTIFACTS / "demo_overview_sub_branch.png", full_page=True)

    page.locator('[data-testid="stSidebarNav"]').get_by_text("数据质量").click()
    expect(main.get_by_role("heading", name="加载记录")).to_be_visible()
    settle(page)
    page.screenshot(path=ARTIFACTS / "demo_data_quality.png", full_page=True)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


@pytest.fixture
def uci_url(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[str]:
    """The real UCI credit-card data through the ordinary ETL: six month ends, April to
    September 2005, every loan disbursed before the first."""
    root = tmp_path_factory.mktemp("uci")
    to_extract(UCI_SOURCE, root / "extract")
    settings = Settings(data_dir=root, warehouse=root / "uci.duckdb")
    load_extract(root / "extract", settings)
    with serve(settings.warehouse_path, tmp_path / "streamlit.log") as url:
        yield url


def _asset_quality_page(page, url: str, heading: str, charts: int, shot: str) -> None:
    """Open the asset-quality page at ``url``, wait for its charts, save a screenshot."""
    expect = playwright_sync.expect
    page.goto(url)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name=heading)).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').nth(charts - 1)).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(charts)
    settle(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    # the page scrolls inside stMain, which full_page does not see: grow the window to it
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": height})
    settle(page)
    page.screenshot(path=ARTIFACTS / shot, full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1800})


def test_asset_quality_page_on_the_demo_bank(demo_url: str, page: Page) -> None:
    """Every section at the head office (8 charts); at a sub-branch the sub-unit chart drops."""
    sign_in(page, demo_url)
    _asset_quality_page(
        page,
        demo_url + "/asset_quality",
        "江川农商银行总行 · 资产质量",
        8,
        "asset_quality_head_office.png",
    )
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 Excel").click()
    assert download.value.suggested_filename == "floor_breaches_HO_20251231.xlsx"
    _asset_quality_page(
        page,
        demo_url + "/asset_quality?org=BR01-S01",
        "临河开发区支行 · 资产质量",
        7,
        "asset_quality_sub_branch.png",
    )


def test_asset_quality_page_on_real_data(uci_url: str, page: Page) -> None:
    """Six month ends and no cohort inside them: the vintage section says so, the rest draws."""
    sign_in(page, uci_url)
    _asset_quality_page(
        page,
        uci_url + "/asset_quality",
        "UCI 样本银行总行 · 资产质量",
        7,
        "asset_quality_uci.png",
    )
    main = page.locator('[data-testid="stMain"]')
    playwright_sync.expect(main.get_by_text("没有可分析的放款批次")).to_be_visible()
