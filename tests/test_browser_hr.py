"""The HR page in a real browser on the demo bank; screenshot in tests/artifacts/."""

from __future__ import annotations

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


def test_hr_page_with_a_bonus_pool(demo_url: str, page: Page) -> None:
    expect = playwright_sync.expect
    sign_in(page, demo_url)
    page.goto(demo_url + "/hr?org=BR01")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="考核排名")).to_be_visible()
    pool = main.get_by_role("spinbutton", name="奖金池（元）")
    pool.fill("500000")
    pool.press("Enter")
    expect(main.get_by_text("奖金池 500,000.00 元")).to_be_visible()
    settle(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    full_screenshot(page, "hr.png")
    with page.expect_download() as download:
        main.get_by_role("button", name="下载考核表 Excel").click()
    assert download.value.suggested_filename == "hr_scores_BR01_2025Q4.xlsx"
