"""Dashboard accounts and the audit log (issue 6 foundation): hashes only, roles, disabling,
an append-only log, and the `daihou users` admin command."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from daihou.accounts import AccountError, Accounts, SignIn

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


def test_failed_sign_ins_lock_the_username_for_the_window(tmp_path: Path) -> None:
    clock = [datetime(2026, 1, 5, 9, 0, tzinfo=UTC)]
    accounts = Accounts(tmp_path / "accounts.db", clock=lambda: clock[0])
    accounts.add("li.wei", PASSWORD, "branch_head", "BR02")
    lockout = timedelta(minutes=15)

    def attempt(password: str) -> SignIn:
        clock[0] += timedelta(minutes=1)
        return accounts.sign_in("li.wei", password, max_failures=3, lockout=lockout)

    assert [attempt("wrong").outcome for _ in range(3)] == ["refused"] * 3  # 09:01 … 09:03
    locked = attempt(PASSWORD)  # 09:04: the right password, but locked
    assert locked.outcome == "locked" and locked.account is None
    assert locked.retry_after == datetime(2026, 1, 5, 9, 16, tzinfo=UTC)  # first failure + 15'
    clock[0] = datetime(2026, 1, 5, 9, 16, tzinfo=UTC)  # 09:17 at the attempt: 2 failures left
    assert attempt(PASSWORD).outcome == "ok"
    # a good sign-in starts the count afresh; another username was never affected
    assert attempt("wrong").outcome == "refused"
    assert attempt(PASSWORD).outcome == "ok"
    events = [event for _, _, _, event, _ in accounts.audit_log()]
    assert events.count("login_locked") == 1 and events.count("login_failed") == 4


def test_a_locked_username_does_not_lock_another(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "accounts.db")
    accounts.add("li.wei", PASSWORD, "branch_head", "BR02")
    accounts.add("wang.fang", PASSWORD, "hr", "HO")
    for _ in range(2):
        accounts.sign_in("li.wei", "wrong", max_failures=2)
    assert accounts.sign_in("li.wei", PASSWORD, max_failures=2).outcome == "locked"
    assert accounts.sign_in("wang.fang", PASSWORD, max_failures=2).outcome == "ok"
