"""Sign-in, sessions and the pages each role may open, through the real app (AppTest).

The demo bank: head office HO, branches BR01 (临河) and BR02 (青山).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from apptest_pages import APP, assert_clean, sign_in
from fixtures_demo import DemoBank
from streamlit.testing.v1 import AppTest

from daihou.access import User
from daihou.accounts import Accounts
from daihou.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts
from daihou.settings import default_settings
from dashboard import session
from warehouse.connection import Warehouse

pytestmark = pytest.mark.slow

PASSWORD = "Qingshan#2025-secret"
ALL_PAGES = [
    "views/overview.py", "views/asset_quality.py", "views/inspection.py", "views/watchlist.py",
    "views/borrower.py", "views/hr.py", "views/data_quality.py", "views/admin.py",
]  # fmt: skip
BORROWER_LEVEL = ALL_PAGES[:5]
PAGES = {  # the table, written out
    "admin": ALL_PAGES,
    "supervision": ALL_PAGES[:7],
    "branch_head": [*BORROWER_LEVEL, "views/hr.py"],
    "account_manager": BORROWER_LEVEL,
    "hr": ["views/hr.py"],
}
USERS = {
    "admin": User("管理员", "admin", "HO"),
    "supervision": User("监督员", "supervision", "HO"),
    "branch_head": User("青山分行行长", "branch_head", "BR02"),
    "account_manager": User("客户经理", "account_manager", "BR01", staff_id="E0001"),
    "hr": User("人力", "hr", "HO"),
}


@pytest.fixture
def app(use_warehouse: Callable[[Path], None], demo_bank: DemoBank) -> Callable[..., AppTest]:
    use_warehouse(demo_bank.settings.warehouse_path)

    def make(**query: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params.update(query)
        return at

    return make


def store() -> Accounts:
    return Accounts(default_settings().accounts_path)


def submit(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="sign_in_submit").click().run()


def test_no_page_without_signing_in(app: Callable[..., AppTest]) -> None:
    at = app().run()
    assert_clean(at)
    assert [s.value for s in at.subheader] == ["登录"]
    assert not at.metric and not at.dataframe  # no figure, no list
    assert any("尚未创建任何账户" in w.value for w in at.warning)


def test_sign_in_refusal_success_and_no_password_kept(app: Callable[..., AppTest]) -> None:
    store().add("li.wei", PASSWORD, "branch_head", "BR02", "李伟")
    at = submit(app().run(), "li.wei", "wrong-password")
    assert [e.value for e in at.error] == ["用户名或密码错误，或账户已停用。"]
    at = submit(at, "nobody", PASSWORD)
    assert [e.value for e in at.error] == ["用户名或密码错误，或账户已停用。"]  # same answer
    at = submit(at, "li.wei", PASSWORD)
    assert_clean(at)
    assert at.session_state[session.USER_KEY] == User("李伟", "branch_head", "BR02", "li.wei")
    assert at.title[0].value == "青山分行"  # the overview of the own branch
    assert at.sidebar.selectbox(key="org_id").value == "BR02"
    # the password is nowhere: not in the session, the store or the audit log
    kept = [repr(at.session_state[k]) for k in at.session_state]
    assert not any(PASSWORD in v or "wrong-password" in v for v in kept)
    for path in store().path.parent.glob("accounts.db*"):
        assert PASSWORD.encode() not in path.read_bytes()
        assert b"wrong-password" not in path.read_bytes()
    events = [(e[2], e[3], e[4]) for e in store().audit_log()]
    assert events[:3] == [
        ("li.wei", "login", ""),
        (None, "login_failed", "username=nobody"),
        (None, "login_failed", "username=li.wei"),
    ]


def test_failed_sign_ins_are_rate_limited(
    app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAIHOU_AUTH__MAX_FAILURES", "3")
    default_settings.cache_clear()
    store().add("li.wei", PASSWORD, "branch_head", "BR02")
    at = app().run()
    for _ in range(3):
        at = submit(at, "li.wei", "guess")
    at = submit(at, "li.wei", PASSWORD)  # right, but locked
    assert "已暂时锁定" in at.error[0].value
    assert session.USER_KEY not in at.session_state


@pytest.mark.parametrize("role", list(PAGES))
def test_each_role_opens_exactly_its_pages(app: Callable[..., AppTest], role: str) -> None:
    at = app()
    sign_in(at, USERS[role])
    at.run()
    assert_clean(at)
    opened = []
    for page in ALL_PAGES:
        try:
            at.switch_page(page)
        except ValueError:  # not in the user's navigation: no URL reaches it either
            continue
        opened.append(page)
    assert opened == PAGES[role]


def test_hr_lands_on_the_hr_page_with_no_borrower_data(
    app: Callable[..., AppTest], demo_bank: DemoBank
) -> None:
    at = app()
    sign_in(at, USERS["hr"])
    at.run()
    assert_clean(at)
    assert at.title[0].value == "江川农商银行总行 · 贷后管理考核"
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        personal = {
            value
            for row in con.execute("SELECT customer_id, id_number FROM dim_customer").fetchall()
            for value in row
        }
    shown = {str(v) for df in at.dataframe for v in df.value.to_numpy().ravel()}
    assert shown and not shown & personal  # (staff and customer names share one name pool)


def test_a_branch_head_cannot_reach_another_branch_by_url_or_widget_state(
    app: Callable[..., AppTest],
) -> None:
    at = app(org="BR01")
    sign_in(at, USERS["branch_head"])
    at.run()
    assert any("BR01" in w.value for w in at.warning)  # the link's org refused, said so
    assert at.sidebar.selectbox(key="org_id").value == "BR02"
    at = app()
    sign_in(at, USERS["branch_head"])
    at.session_state["org_id"] = "BR01"  # as if a widget had sent it
    at.run()
    assert_clean(at)
    assert at.sidebar.selectbox(key="org_id").value == "BR02"
    at.switch_page("views/inspection.py").run()
    assert_clean(at)
    assert "青山分行" in at.title[0].value


def test_borrower_files_outside_the_scope_are_refused_from_the_url(
    app: Callable[..., AppTest], demo_bank: DemoBank
) -> None:
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        (br01_customer,) = con.execute(
            "SELECT min(customer_id) FROM dim_loan WHERE org_id LIKE 'BR01%'"
        ).fetchone()
    for role in ("branch_head", "account_manager"):
        at = app(customer=br01_customer)
        user = sign_in(at, USERS[role])
        at.run()
        at.switch_page("views/borrower.py").run()
        assert not at.exception
        assert f"客户“{br01_customer}”不存在，或在您的权限范围" in at.error[0].value, role
        assert not at.dataframe
        entries = store().audit_log(username=user.username, event="refused")
        assert entries and entries[0][4] == f"customer={br01_customer}"


def test_an_idle_session_expires(app: Callable[..., AppTest]) -> None:
    at = app()
    user = sign_in(at, USERS["supervision"])
    at.run()
    assert_clean(at)
    at.session_state[session.SEEN_KEY] = time.time() - 31 * 60  # idle_minutes is 30
    at.run()
    assert [s.value for s in at.subheader] == ["登录"]
    assert at.info[0].value == "会话已超时，请重新登录。"
    assert store().audit_log(username=user.username)[0][3] == "session_expired"


def test_disabling_an_account_ends_its_session_at_once(app: Callable[..., AppTest]) -> None:
    at = app()
    user = sign_in(at, USERS["branch_head"])
    at.run()
    assert_clean(at)
    store().disable(user.username)
    at.run()
    assert [s.value for s in at.subheader] == ["登录"]
    assert "已被停用或权限已变更" in at.info[0].value


def test_signing_out(app: Callable[..., AppTest]) -> None:
    at = app()
    user = sign_in(at, USERS["admin"])
    at.run()
    at.sidebar.button(key="sign_out").click().run()
    assert [s.value for s in at.subheader] == ["登录"]
    assert at.info[0].value == "您已退出登录。"
    assert store().audit_log(username=user.username)[0][3] == "logout"
    assert session.USER_KEY not in at.session_state


def test_the_demo_accounts_are_listed_in_the_demo_only(
    app: Callable[..., AppTest], demo_bank: DemoBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Warehouse(demo_bank.settings.warehouse_path).connect_read_only() as con:
        created = create_demo_accounts(store(), con)
    assert [d.role for d in created] == ["admin", "supervision", "branch_head",
                                         "account_manager", "hr"]  # fmt: skip
    at = app().run()
    assert not at.dataframe  # not the demo: no password shown
    monkeypatch.setenv("DAIHOU_AUTH__SHOW_DEMO_LOGINS", "true")
    default_settings.cache_clear()
    at = app().run()
    listed = at.dataframe[0].value
    assert listed["密码"].tolist() == [d.password for d in DEMO_ACCOUNTS]
    at = submit(at, "branch_head", DEMO_ACCOUNTS[2].password)
    assert_clean(at)
    assert at.session_state[session.USER_KEY].role == "branch_head"


def test_the_admin_page(app: Callable[..., AppTest]) -> None:
    at = app()
    admin = sign_in(at, USERS["admin"])
    at.run()
    at.switch_page("views/admin.py").run()
    assert_clean(at)
    form = "adm_add"
    at.text_input(key=f"{form}_username").input("zhao.li")
    at.text_input(key=f"{form}_password").input(PASSWORD)
    at.text_input(key=f"{form}_again").input(PASSWORD)
    at.selectbox(key=f"{form}_role").set_value("hr")
    at.button(key=f"{form}_submit").click().run()
    assert_clean(at)
    assert store().get("zhao.li").role == "hr"
    with sqlite3.connect(store().path) as con:
        (stored,) = con.execute(
            "SELECT password_hash FROM account WHERE username = 'zhao.li'"
        ).fetchone()
    assert stored.startswith("$argon2id$")
    entry = store().audit_log(username=admin.username, event="account_added")[0]
    assert entry[4] == "zhao.li role=hr org=HO"
