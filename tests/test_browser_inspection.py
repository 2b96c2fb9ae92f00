"""The inspection page in a real browser on the demo bank; screenshots in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest
from fixtures_browser import CHROMIUM, full_screenshot, sign_in
from playwright.sync_api import Page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]


def test_inspection_page_for_a_branch_head(demo_url: str, page: Page) -> None:
    expect = playwright_sync.expect
    sign_in(page, demo_url)
    page.goto(demo_url + "/inspection?org=BR01")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="逾期未检查清单")).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').nth(1)).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    full_screenshot(page, "inspection_branch.png")

    # the ranking downloads as an Excel file with a title row and the header row
    with page.expect_download() as download:
        main.get_by_role("button", name="下载 Excel").first.click()
    assert download.value.suggested_filename.startswith("inspection_ranking_BR01_")
