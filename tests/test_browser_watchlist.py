"""风险预警 · 问题客户清单 in a real browser on the demo bank: the page draws at the head office
and at a sub-branch without an error, filters narrow it, the list links to the borrower file,
and the CSV download holds the filtered list. Screenshots go to tests/artifacts/ for a human.
"""

from __future__ import annotations

import re
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest
from fixtures_browser import CHROMIUM, full_screenshot, settle, sign_in
from playwright.sync_api import Page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]


def _count(page: Page) -> int:
    """The first KPI card: customers on the list."""
    main = page.locator('[data-testid="stMain"]')
    value = main.locator('[data-testid="stMetricValue"]').first.inner_text()
    return int(value.replace(",", ""))


def test_watchlist_page(demo_url: str, page: Page) -> None:
    expect = playwright_sync.expect
    sign_in(page, demo_url)
    page.goto(demo_url + "/watchlist")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="江川农商银行总行 · 问题客户清单")).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').nth(1)).to_be_visible()
    expect(main.locator('[data-testid="stDataFrame"]')).to_have_count(1)
    settle(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    whole = _count(page)
    assert whole > 100
    full_screenshot(page, "watchlist.png")

    # the score rules are stated on the page
    main.get_by_text("评分规则").click()
    expect(main.get_by_text("得分 = 触发项分值之和", exact=False)).to_be_visible()

    # a trigger filter narrows the list
    main.locator('[data-testid="stMultiSelect"]').first.click()
    page.get_by_role("option", name="不良贷款").click()
    page.keyboard.press("Escape")
    expect(main.get_by_text("筛选：触发项：不良贷款")).to_be_visible()
    settle(page)
    assert 0 < _count(page) < whole

    # the CSV holds the filtered list (title-free, header and one row per customer)
    with page.expect_download() as download:
        main.get_by_role("button", name="下载 CSV").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("客户号,客户名称,客户类型,风险等级,得分,触发项")
    assert len(lines) == 1 + _count(page)
    assert all("不良贷款" in line for line in lines[1:])
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)

    page.goto(demo_url + "/watchlist?org=BR01-S01")
    expect(main.get_by_role("heading", name="临河开发区支行 · 问题客户清单")).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]org=BR01-S01(&|$)"))
    settle(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    full_screenshot(page, "watchlist_sub_branch.png")
