"""Roles in a real browser on the demo bank (issue 6): the sign-in page of the demo, a branch
head who sees their own subtree only, HR who finds no borrower data. Screenshots in
tests/artifacts/ (signin.png, role_branch_head.png, role_hr.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest
from fixtures_browser import CHROMIUM, full_screenshot, serve, settle, sign_in
from fixtures_demo import DemoBank
from playwright.sync_api import Page

from daihou.accounts import Accounts
from daihou.demo_accounts import DEMO_ACCOUNTS
from dashboard import links
from warehouse.connection import Warehouse

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium"),
]


@pytest.fixture
def demo_site(demo_bank: DemoBank, tmp_path: Path) -> Iterator[tuple[str, Accounts]]:
    """The demo bank served as `daihou demo` serves it: demo accounts listed on sign-in."""
    log = tmp_path / "streamlit.log"
    with serve(demo_bank.settings.warehouse_path, log, show_demo_logins=True) as url:
        yield url, Accounts(log.with_name("accounts.db"))


def test_the_demo_sign_in_page(demo_site: tuple[str, Accounts], page: Page) -> None:
    url, store = demo_site
    page.goto(url + "/watchlist")
    main = page.locator('[data-testid="stMain"]')
    demo = main.get_by_role("heading", name="演示账户（仅演示环境显示）")
    playwright_sync.expect(demo).to_be_visible()
    main.get_by_label("用户名").fill("admin")
    main.get_by_label("密码", exact=True).fill("not-the-password")
    main.get_by_role("button", name="登录").click()
    playwright_sync.expect(main.get_by_text("用户名或密码错误")).to_be_visible()
    playwright_sync.expect(main.get_by_label("密码", exact=True)).to_have_value("")  # cleared
    settle(page)
    full_screenshot(page, "signin.png")
    sign_in(page, url, "supervision")
    # neither password reached the server's log or the accounts store
    secret = {d.username: d.password for d in DEMO_ACCOUNTS}["supervision"]
    for path in (store.path.with_name("streamlit.log"), *store.path.parent.glob("accounts.db*")):
        content = path.read_bytes()
        assert b"not-the-password" not in content and secret.encode() not in content, path


def test_a_branch_head_sees_their_own_subtree_only(
    demo_site: tuple[str, Accounts], demo_bank: DemoBank, page: Page
) -> None:
    expect = playwright_sync.expect
    url, store = demo_site
    head = store.get("branch_head")
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        subtree = {r[0] for r in con.execute(
            "SELECT o.org_name FROM bridge_org_subtree b JOIN dim_org o USING (org_id) "
            "WHERE b.ancestor_org_id = ?", [head.org_id]
        ).fetchall()}  # fmt: skip
        (branch_name,) = con.execute(
            "SELECT org_name FROM dim_org WHERE org_id = ?", [head.org_id]
        ).fetchone()
        (elsewhere,) = con.execute(
            "SELECT min(l.customer_id) FROM dim_loan l WHERE l.customer_id NOT IN "
            "(SELECT customer_id FROM dim_loan WHERE org_id IN "
            " (SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = ?))",
            [head.org_id],
        ).fetchone()
    sign_in(page, url, "branch_head")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name=branch_name, exact=True)).to_be_visible()
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text("数据质量")).to_have_count(0)
    expect(nav.get_by_text("用户与审计")).to_have_count(0)

    # the org picker offers the own subtree only
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    offered = options.all_inner_texts()
    page.keyboard.press("Escape")
    assert offered[0] == branch_name and set(offered) == subtree

    # the whole bank by URL: refused, said so, own branch shown
    page.goto(url + "/inspection?org=HO")
    expect(main.get_by_text("不在您的权限范围内")).to_be_visible()
    expect(main.get_by_role("heading", name=f"{branch_name} · 贷后检查")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]org={head.org_id}(&|$)"))
    settle(page)
    full_screenshot(page, "role_branch_head.png")

    # another branch's customer: refused
    page.goto(f"{url}/{links.borrower_url(elsewhere)}")
    expect(main.get_by_text(f"客户“{elsewhere}”不存在，或在您的权限范围")).to_be_visible()
    expect(main.locator('[data-testid="stDataFrame"]')).to_have_count(0)

    # a download is audited with its row count
    page.goto(url + "/watchlist")
    expect(main.locator('[data-testid="stDataFrame"]')).to_have_count(1)
    with page.expect_download() as download:
        main.get_by_role("button", name="下载 CSV").click()
    rows = len(Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()) - 1
    exports = store.audit_log(username="branch_head", event="export")
    assert exports[0][4].startswith(f"file=watchlist_{head.org_id}_")
    assert exports[0][4].endswith(f"org={head.org_id} rows={rows}")
    opened = store.audit_log(username="branch_head", event="refused")
    assert opened[0][4] == f"customer={elsewhere}"
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_hr_finds_no_borrower_data(
    demo_site: tuple[str, Accounts], demo_bank: DemoBank, page: Page
) -> None:
    expect = playwright_sync.expect
    url, _ = demo_site
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        (customer,) = con.execute("SELECT min(customer_id) FROM dim_customer").fetchone()
        ids = {r[0] for r in con.execute("SELECT customer_id FROM dim_customer").fetchall()}
        branch, branch_name = con.execute(
            "SELECT org_id, org_name FROM dim_org WHERE parent_org_id IS NOT NULL "
            "ORDER BY org_id LIMIT 1"
        ).fetchone()
    sign_in(page, url, "hr")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_role("heading", name="考核排名")).to_be_visible()
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav).to_have_count(0)  # one page: Streamlit shows no navigation at all
    settle(page)
    full_screenshot(page, "role_hr.png")
    text = main.inner_text()
    assert not {m for m in re.findall(r"C\d{9}", text)} & ids

    # a link to the HR page, as another role shares it, opens it with its filters and no
    # "page not found" (Streamlit serves a role's first page at the root only)
    page.goto(f"{url}/hr?org={branch}")
    expect(main.get_by_role("heading", name="考核排名")).to_be_visible()
    expect(main.get_by_role("heading", level=1)).to_contain_text(branch_name)
    settle(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert f"org={branch}" in page.url

    # the borrower file and the watch list by URL: not there for HR
    for path in (links.borrower_url(customer), "watchlist", "inspection"):
        page.goto(f"{url}/{path}")
        expect(main.get_by_role("heading", name="考核排名")).to_be_visible()
        assert customer not in main.inner_text()
        expect(main.locator('[data-testid="stException"]')).to_have_count(0)
