"""客户视图 in a real browser on the demo bank: search, a link with ?customer=, the refusal.

Saves tests/artifacts/borrower.png (a demo customer with overdue history, inspections,
signals, collateral and collections) for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest
from fixtures_browser import CHROMIUM, full_screenshot, settle, sign_in
from fixtures_demo import DemoBank
from playwright.sync_api import Page

from dashboard import links
from warehouse.connection import Warehouse

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]

# A customer that shows every section: several loans, one overdue for over a month, red
# signals, revalued collateral, collection actions and inspections.
_RICH_CUSTOMER = """
    WITH dpd AS (
        SELECT l.customer_id, max(s.days_past_due) AS max_dpd, count(DISTINCT l.loan_id) AS loans
        FROM fct_loan_snapshot AS s JOIN dim_loan AS l ON l.loan_id = s.loan_id
        GROUP BY l.customer_id
    ),
    red AS (
        SELECT customer_id, count(*) AS reds FROM fct_warning_signal
        WHERE severity = 'red' GROUP BY customer_id
    ),
    revalued AS (
        SELECT DISTINCT l.customer_id FROM fct_collateral_appraisal AS a
        JOIN dim_loan AS l ON l.loan_id = a.loan_id
        GROUP BY l.customer_id, a.collateral_id HAVING count(*) > 1
    ),
    chased AS (
        SELECT l.customer_id, count(*) AS actions FROM fct_collection_action AS a
        JOIN dim_loan AS l ON l.loan_id = a.loan_id GROUP BY l.customer_id
    )
    SELECT d.customer_id, c.customer_name
    FROM dpd AS d
    JOIN dim_customer AS c ON c.customer_id = d.customer_id
    JOIN red AS r ON r.customer_id = d.customer_id
    JOIN revalued AS v ON v.customer_id = d.customer_id
    JOIN chased AS a ON a.customer_id = d.customer_id
    WHERE d.loans >= 2 AND d.max_dpd BETWEEN 31 AND 200
      AND EXISTS (SELECT 1 FROM fct_inspection AS i WHERE i.customer_id = d.customer_id)
    ORDER BY r.reds DESC, d.loans DESC, a.actions DESC, d.customer_id
    LIMIT 1
"""

SECTIONS = [
    "借据",
    "借据月度走势",
    "检查义务与检查记录",
    "风险预警信号",
    "押品与覆盖率",
    "催收记录",
]


@pytest.fixture(scope="module")
def rich_customer(demo_bank: DemoBank) -> tuple[str, str]:
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        row = con.execute(_RICH_CUSTOMER).fetchone()
    assert row is not None, "the demo bank has no customer showing every section"
    return row[0], row[1]


def test_borrower_file_from_a_link_and_by_search(
    demo_url: str, page: Page, rich_customer: tuple[str, str]
) -> None:
    expect = playwright_sync.expect
    customer_id, name = rich_customer
    main = page.locator('[data-testid="stMain"]')

    sign_in(page, demo_url)
    page.goto(f"{demo_url}/{links.borrower_url(customer_id)}")
    expect(main.get_by_role("heading", name=name)).to_be_visible()
    for section in SECTIONS:
        expect(main.get_by_role("heading", name=section, exact=True)).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(2)
    expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    settle(page)
    assert main.locator('[data-testid="stException"]').count() == 0
    full_screenshot(page, "borrower.png")

    # search: the customer's id, typed in lower case, opens it from a fresh page
    page.goto(f"{demo_url}/{links.BORROWER_PATH}")
    expect(main.get_by_text("请输入客户号或客户名称查找客户")).to_be_visible()
    box = main.get_by_placeholder("输入客户号或客户名称")
    box.fill(customer_id.lower())
    box.press("Enter")
    expect(main.get_by_role("heading", name=name)).to_be_visible()
    settle(page)
    assert f"{links.CUSTOMER_PARAM}={customer_id}" in page.url


def test_unknown_customer_is_refused(demo_url: str, page: Page) -> None:
    expect = playwright_sync.expect
    sign_in(page, demo_url)
    page.goto(f"{demo_url}/{links.borrower_url('NO-SUCH-CUSTOMER')}")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("客户“NO-SUCH-CUSTOMER”不存在")).to_be_visible()
    settle(page)
    assert main.locator('[data-testid="stException"]').count() == 0
    assert main.locator('[data-testid="stDataFrame"]').count() == 0
