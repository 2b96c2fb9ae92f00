"""Sign-in, the signed-in user's account, and the admin page's data (accounts and audit log).

The store is ``daihou.accounts`` (SQLite beside the warehouse, not in it); the rules (session
lifetime, rate limit) are ``settings.auth``. Everything an admin reads or changes here checks
``Access.ADMIN`` first and is itself audited by the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from daihou.access import Access, User
from daihou.accounts import Account, AccountError, SignIn
from daihou.demo_accounts import DEMO_ACCOUNTS
from daihou.settings import AuthRules, default_settings
from dashboard.data.core import accounts, require

AUDIT_COLUMNS = ["id", "at", "username", "event", "detail"]
ACCOUNT_COLUMNS = ["username", "display_name", "role", "org_id", "staff_id", "disabled"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def rules() -> AuthRules:
    return default_settings().auth


def sign_in(username: str, password: str) -> SignIn:
    """Check the password under the configured rate limit (audited by the store)."""
    rule = rules()
    return accounts().sign_in(
        username.strip(), password, rule.max_failures, timedelta(minutes=rule.lockout_minutes)
    )


def has_accounts() -> bool:
    return bool(accounts().list())


def user_of(account: Account) -> User:
    return User(account.display_name, account.role, account.org_id, account.username,
                account.staff_id)  # fmt: skip


def current_account(username: str) -> User | None:
    """The enabled account ``username`` as a User now (None when gone or disabled): a session
    checks it on every run, so that disabling or changing an account takes effect at once."""
    try:
        account = accounts().get(username)
    except AccountError:
        return None
    return None if account.disabled else user_of(account)


def open_session(user: User) -> str:
    """A browser-session token for a user who just signed in."""
    return accounts().open_session(user.username)


def resume_session(token: str) -> tuple[User, datetime] | None:
    """The user and sign-in time of an open, unexpired session token; None otherwise."""
    rule = rules()
    found = accounts().resume_session(
        token, timedelta(minutes=rule.idle_minutes), timedelta(hours=rule.session_hours)
    )
    if found is None:
        return None
    account, signed_in = found
    return user_of(account), signed_in


def sign_out(user: User, token: str | None, event: str = "logout") -> None:
    """End the session (its token, when it has one) and record why: logout, session_expired
    or session_ended."""
    store = accounts()
    if token:
        store.end_session(token)
    store.record(user.username, event)


def demo_logins() -> list[DemoLogin]:
    """The demo accounts to show on the sign-in page: only when the settings say this is the
    demo (``auth.show_demo_logins``), and only those that still exist and are enabled."""
    if not rules().show_demo_logins:
        return []
    enabled = {a.username: a for a in accounts().list() if not a.disabled}
    return [
        DemoLogin(d.username, d.password, d.role)
        for d in DEMO_ACCOUNTS
        if d.username in enabled and enabled[d.username].role == d.role
    ]


# -- admin -------------------------------------------------------------------------------------


def account_list(user: User) -> pd.DataFrame:
    _admin(user, "accounts")
    rows = [
        (a.username, a.display_name, a.role, a.org_id, a.staff_id, a.disabled)
        for a in accounts().list()
    ]
    return pd.DataFrame(rows, columns=ACCOUNT_COLUMNS)


def add_account(
    user: User,
    username: str,
    password: str,
    role: str,
    org_id: str,
    display_name: str | None,
    staff_id: str | None,
) -> Account:
    _admin(user, "add account")
    return accounts().add(
        username.strip(), password, role, org_id, display_name or None, staff_id or None,
        by=user.username,
    )  # fmt: skip


def set_role(
    user: User, username: str, role: str, org_id: str | None, staff_id: str | None
) -> Account:
    _admin(user, "set role")
    return accounts().set_role(username, role, org_id or None, staff_id or None, by=user.username)


def disable(user: User, username: str) -> Account:
    _admin(user, "disable account")
    if username == user.username:
        raise AccountError("an admin cannot disable their own account")
    return accounts().disable(username, by=user.username)


def audit_entries(
    user: User,
    username: str | None = None,
    event: str | None = None,
    since: str | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """The audit log, newest first, filtered (bound parameters only)."""
    _admin(user, "audit log")
    rows = accounts().audit_log(limit, username or None, event or None, since or None)
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def _admin(user: User, what: str) -> None:
    require(user, Access.ADMIN, what)
