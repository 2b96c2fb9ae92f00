"""Opening a dashboard page in Streamlit's AppTest, as every page test does, signed in."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

from daihou.access import User
from daihou.accounts import AccountError, Accounts
from daihou.settings import default_settings
from dashboard.i18n import Lang
from metrics.orgs import root_org_id
from warehouse.connection import Warehouse

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def account_for(user: User) -> User:
    """``user`` with an enabled account of the same name, role, org and staff id in the
    configured store (created with a random password when missing): what a sign-in gives."""
    username = user.username or f"{user.role}:{user.org_id}:{user.staff_id or ''}:{user.name}"
    store = Accounts(default_settings().accounts_path)
    try:
        store.get(username)
    except AccountError:
        store.add(username, secrets.token_urlsafe(12), user.role, user.org_id, user.name,
                  user.staff_id)  # fmt: skip
    return User(user.name, user.role, user.org_id, username, user.staff_id)


def sign_in(at: AppTest, user: User | None = None) -> User:
    """Put ``user`` (default: an admin at the warehouse's root org) in the AppTest's session
    as a successful sign-in does."""
    if user is None:
        with Warehouse(default_settings().warehouse_path).connect_read_only() as con:
            user = User("测试管理员", "admin", root_org_id(con))
    signed = account_for(user)
    at.session_state["user"] = signed
    return signed


def page_opener(page: str, timeout: float = 60) -> Callable[..., AppTest]:
    """A function opening ``page`` (e.g. "views/borrower.py") for a user (default: an admin at
    the root org), in a language, with session state set first; its keyword arguments become
    URL query parameters."""

    def open_page(
        user: User | None = None,
        lang: Lang = "zh-CN",
        state: dict[str, object] | None = None,
        **query: str,
    ) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=timeout)
        at.query_params.update(query)
        at.session_state["lang"] = lang
        for key, value in (state or {}).items():
            at.session_state[key] = value
        sign_in(at, user)
        at.run()
        return at.switch_page(page).run()

    return open_page


def assert_clean(at: AppTest) -> None:
    """No exception and no error element on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
