"""Hostile text through every text input and URL parameter: harmless (issue 6).

Each string goes through the customer search box, the org, data-date and customer URL
parameters, the sign-in form and the admin page's audit filter, and through the data layer
directly. The test checks that no page breaks, that nothing outside the user's scope or beyond
an honest match comes back, and that the warehouse file and the accounts table are unchanged
byte for byte.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from apptest_pages import APP, account_for, sign_in
from fixtures_demo import DemoBank
from streamlit.testing.v1 import AppTest

from daihou.access import User
from daihou.accounts import Accounts
from daihou.settings import default_settings
from dashboard import data
from dashboard.data import accounts, borrower
from dashboard.data.core import ScopeError
from warehouse.connection import Warehouse

pytestmark = pytest.mark.slow

HOSTILE = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "BR01' --",
    "'; DROP TABLE dim_customer; --",
    '"; DELETE FROM account; --',
    "1); UPDATE account SET role='admin' WHERE (1=1",
    "%",
    "_",
    "%%' ESCAPE '",
    "\\",
    "<script>alert(1)</script>",
    "${jndi:ldap://x/a}",
    '=HYPERLINK("http://x")',
    "\x00\x1b[31m",
    "客户' UNION SELECT id_number, customer_name FROM dim_customer --",
    "A" * 5000,
]
HEAD = User("青山分行行长", "branch_head", "BR02")
ADMIN = User("管理员", "admin", "HO")


@pytest.fixture
def demo(use_warehouse: Callable[[Path], None], demo_bank: DemoBank) -> Path:
    use_warehouse(demo_bank.settings.warehouse_path)
    return demo_bank.settings.warehouse_path


def fingerprint(warehouse: Path) -> tuple[str, str]:
    """SHA-256 of the warehouse generation file and of the accounts (with their password
    hashes, roles and status)."""
    current = Warehouse(warehouse).current_file()
    file_hash = hashlib.sha256(current.read_bytes()).hexdigest()
    Accounts(default_settings().accounts_path).list()  # creates the store when missing
    with sqlite3.connect(default_settings().accounts_path) as con:
        rows = con.execute("SELECT * FROM account ORDER BY username").fetchall()
    return file_hash, hashlib.sha256(repr(rows).encode()).hexdigest()


def test_hostile_text_through_the_data_layer(demo: Path) -> None:
    admin = User("管理员", "admin", "HO", "t.admin")
    before = fingerprint(demo)
    for text in HOSTILE:
        found = borrower.search(HEAD, "BR02", text)
        literal = text.strip()
        assert all(  # only honest matches: the id starts with the text, or the name holds it
            cid.upper().startswith(literal.upper()) or literal in name
            for cid, name in zip(found["customer_id"], found["customer_name"], strict=True)
        ), text
        assert not data.may_see(HEAD, text)
        with pytest.raises(ScopeError):
            data.scope_for(HEAD, text)
        with pytest.raises(ScopeError):
            borrower.authorise_customer(HEAD, text)
        with pytest.raises(ScopeError):
            borrower.profile(HEAD, text, data.month_ends()[-1])
        assert accounts.audit_entries(admin, username=text).empty
        assert accounts.sign_in(text, text).outcome == "refused"
    assert fingerprint(demo) == before


def test_hostile_text_through_the_pages(demo: Path) -> None:
    account_for(HEAD), account_for(ADMIN)  # the accounts the test signs in with, made first
    before = fingerprint(demo)
    for text in HOSTILE:
        # URL parameters of every kind, on the overview and on the borrower file
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params.update({"org": text, "as_of": text, "customer": text})
        sign_in(at, HEAD)
        at.run()
        assert not at.exception, text
        assert at.sidebar.selectbox(key="org_id").value == "BR02"
        assert len(at.warning) == 2  # the org and the date, refused and said so
        at.switch_page("views/borrower.py").run()
        assert not at.exception, text
        assert at.error and "无法查看" in at.error[0].value  # the customer: refused
        # the search box
        at.query_params.clear()
        at = AppTest.from_file(APP, default_timeout=60)
        sign_in(at, HEAD)
        at.run()
        at.switch_page("views/borrower.py").run()
        at.text_input(key="bw_search").input(text).run()
        assert not at.exception, text
        # the sign-in form
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.text_input(key="sign_in_username").input(text)
        at.text_input(key="sign_in_password").input(text)
        at.button(key="sign_in_submit").click().run()
        assert not at.exception, text
        assert at.error[0].value.startswith("用户名或密码错误")
    # the admin page's audit-log filter
    at = AppTest.from_file(APP, default_timeout=60)
    sign_in(at, ADMIN)
    at.run()
    at.switch_page("views/admin.py").run()
    for text in HOSTILE:
        at.text_input(key="adm_audit_user").input(text).run()
        assert not at.exception, text
        # only the failed sign-ins with that very text as the username, made above
        assert set(at.dataframe[-1].value["内容"]) == {f"username={text.strip()}"}, text
    assert fingerprint(demo) == before
