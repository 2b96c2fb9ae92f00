"""Dashboard accounts and the audit log (issue 6 foundation): hashes only, roles, disabling,
an append-only log, and the `daihou users` admin command."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from daihou.accounts import AccountError, Accounts

PASSWORD = "Qingshan#2025"


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(tmp_path / "accounts.db")


def test_the_store_holds_only_a_hash(accounts: Accounts) -> None:
    accounts.add("li.wei", PASSWORD, "branch_head", "BR02", "李伟")
    for path in accounts.path.parent.iterdir():  # the database and any journal beside it
        assert PASSWORD.encode() not in path.read_bytes()
    with sqlite3.connect(accounts.path) as con:
        (stored,) = con.execute("SELECT password_hash FROM account").fetchone()
    assert stored.startswith("$argon2id$")


def test_verify_disable_and_roles(accounts: Accounts) -> None:
    accounts.add("li.wei", PASSWORD, "branch_head", "BR02", "李伟")
    assert accounts.verify("li.wei", PASSWORD).role == "branch_head"
    assert accounts.verify("li.wei", "wrong") is None
    assert accounts.verify("nobody", PASSWORD) is None
    assert accounts.set_role("li.wei", "supervision", "HO").org_id == "HO"
    accounts.disable("li.wei")
    assert accounts.verify("li.wei", PASSWORD) is None
    with pytest.raises(AccountError, match="unknown role"):
        accounts.add("x", PASSWORD, "root", "HO")
    with pytest.raises(AccountError, match="exists already"):
        accounts.add("li.wei", PASSWORD, "hr", "HO")
    with pytest.raises(AccountError, match="staff id"):
        accounts.add("am", PASSWORD, "account_manager", "BR02-S01")


def test_the_audit_log_is_append_only_and_never_holds_a_password(accounts: Accounts) -> None:
    accounts.add("li.wei", PASSWORD, "branch_head", "BR02")
    accounts.verify("li.wei", PASSWORD)
    accounts.verify("li.wei", "wrong-password")
    events = [(user, event) for _, _, user, event, _ in accounts.audit_log()]
    assert events[:2] == [(None, "login_failed"), ("li.wei", "login")]
    assert not any(
        "wrong-password" in detail or PASSWORD in detail for *_, detail in accounts.audit_log()
    )
    with sqlite3.connect(accounts.path) as con:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit_log")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE audit_log SET event = 'x'")


def test_users_command(tmp_path: Path) -> None:
    env = {**os.environ, "DAIHOU_DATA_DIR": str(tmp_path)}

    def users(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "daihou.cli", "users", *args],
            input=stdin, capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip

    added = users("add", "wang.fang", "--role", "hr", "--org", "HO", "--password-stdin",
                  stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert users("set-role", "wang.fang", "supervision").returncode == 0
    assert users("disable", "wang.fang").returncode == 0
    listed = users("list")
    assert "wang.fang" in listed.stdout and "supervision" in listed.stdout
    assert "disabled" in listed.stdout and PASSWORD not in listed.stdout
    assert users("disable", "nobody").returncode == 2
    assert users("add", "x", "--role", "root", "--org", "HO").returncode == 2
    assert Accounts(tmp_path / "accounts.db").verify("wang.fang", PASSWORD) is None  # disabled
