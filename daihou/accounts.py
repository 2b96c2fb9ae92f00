"""Dashboard accounts and the audit log, in a small SQLite database of their own.

Not in the warehouse: a load replaces the warehouse by a new generation, while accounts and
the audit log must change at any time, from several processes (the dashboard, the admin
command), without waiting for a load. SQLite serialises those writers itself.

- Passwords are stored only as Argon2id hashes (argon2-cffi's defaults); a password is never
  logged, stored or returned.
- The audit log is append-only: triggers refuse UPDATE and DELETE.
- Failed sign-ins are rate-limited per username: after ``max_failures`` failures within
  ``lockout`` (since the last good sign-in) the account refuses every attempt, right or wrong,
  until the window has passed. The count lives here, so it holds across sessions, browser
  reloads and dashboard processes.
- A signed-in browser holds a random session token (a cookie); the store keeps only its SHA-256
  with the session's start and last activity, so any dashboard process can resume it (a new
  tab, a reload) until it ends: signed out, idle or too old, or its account disabled.
- A role is one of ``access.ROLES``; an account holds an org (the root of what it may see) and,
  for an account manager, the staff id whose customers and figures are theirs.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from daihou.access import ROLES

_SCHEMA = """
CREATE TABLE IF NOT EXISTS account (
    username       TEXT PRIMARY KEY,
    display_name   TEXT NOT NULL,
    role           TEXT NOT NULL,
    org_id         TEXT NOT NULL,     -- the root of the org subtree the account may see
    staff_id       TEXT,              -- an account manager's own staff id
    password_hash  TEXT NOT NULL,     -- Argon2id; never the password
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,               -- UTC, ISO 8601
    username  TEXT,                        -- null: nobody signed in (failed login: in detail)
    event     TEXT NOT NULL,               -- login, login_failed, open_borrower, export, account_…
    detail    TEXT NOT NULL DEFAULT ''     -- what, scope, row count: never a password
);
CREATE TABLE IF NOT EXISTS web_session (
    token_hash  TEXT PRIMARY KEY,          -- SHA-256 of the browser's token; never the token
    username    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    ended_at    TEXT                       -- signed out, expired or account changed
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

_hasher = PasswordHasher()
_READY: set[Path] = set()  # accounts files whose schema this process has set up


class AccountError(ValueError):
    """An account operation that cannot be done (unknown user, bad role, duplicate…)."""


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str
    org_id: str
    staff_id: str | None
    disabled: bool


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt."""

    outcome: Literal["ok", "refused", "locked"]
    account: Account | None = None  # when ok
    retry_after: datetime | None = None  # when locked


class Accounts:
    """The accounts database at ``path`` (created on first use)."""

    def __init__(self, path: Path, clock: Callable[[], datetime] | None = None) -> None:
        self.path = path
        self.clock = clock or (lambda: datetime.now(UTC))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection; the schema (and WAL mode, which the file keeps) is set up once per
        process and file: every dashboard run connects, so no DDL on that path."""
        fresh = self.path not in _READY or not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            if fresh:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(_SCHEMA)
                _READY.add(self.path)
            yield con
        finally:
            con.close()

    def add(
        self,
        username: str,
        password: str,
        role: str,
        org_id: str,
        display_name: str | None = None,
        staff_id: str | None = None,
        by: str | None = None,
    ) -> Account:
        """Create an account; refuses an existing username, an unknown role or an empty
        password."""
        _check_role(role)
        if not username.strip():
            raise AccountError("a username is required")
        if not password:
            raise AccountError("a password is required")
        if role == "account_manager" and not staff_id:
            raise AccountError("an account manager's account needs their staff id (--staff-id)")
        now = _now()
        with self._connect() as con:
            try:
                con.execute(
                    "INSERT INTO account VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                    (username, display_name or username, role, org_id, staff_id,
                     _hasher.hash(password), now, now),
                )  # fmt: skip
            except sqlite3.IntegrityError:
                raise AccountError(f"account {username!r} exists already") from None
            _audit(con, by, "account_added", f"{username} role={role} org={org_id}", self.clock())
        return self.get(username)

    def get(self, username: str) -> Account:
        with self._connect() as con:
            row = con.execute(
                "SELECT username, display_name, role, org_id, staff_id, disabled FROM account "
                "WHERE username = ?",
                (username,),
            ).fetchone()
        if row is None:
            raise AccountError(f"no account {username!r}")
        return Account(*row[:5], bool(row[5]))

    def list(self) -> list[Account]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT username, display_name, role, org_id, staff_id, disabled FROM account "
                "ORDER BY username"
            ).fetchall()
        return [Account(*row[:5], bool(row[5])) for row in rows]

    def set_role(
        self,
        username: str,
        role: str,
        org_id: str | None = None,
        staff_id: str | None = None,
        by: str | None = None,
    ) -> Account:
        """Change the role (and the org, and an account manager's staff id)."""
        _check_role(role)
        current = self.get(username)
        org = org_id or current.org_id
        staff = staff_id or current.staff_id
        if role == "account_manager" and not staff:
            raise AccountError("an account manager's account needs their staff id (--staff-id)")
        with self._connect() as con:
            con.execute(
                "UPDATE account SET role = ?, org_id = ?, staff_id = ?, updated_at = ? "
                "WHERE username = ?",
                (role, org, staff, _now(), username),
            )
            _audit(con, by, "account_role", f"{username} role={role} org={org}", self.clock())
        return self.get(username)

    def disable(self, username: str, by: str | None = None) -> Account:
        self.get(username)
        with self._connect() as con:
            con.execute(
                "UPDATE account SET disabled = 1, updated_at = ? WHERE username = ?",
                (_now(), username),
            )
            _audit(con, by, "account_disabled", username, self.clock())
        return self.get(username)

    def verify(self, username: str, password: str) -> Account | None:
        """The account when the password is right and the account enabled (and not locked),
        else None. See ``sign_in``."""
        return self.sign_in(username, password).account

    def sign_in(
        self,
        username: str,
        password: str,
        max_failures: int = 5,
        lockout: timedelta = timedelta(minutes=15),
    ) -> SignIn:
        """Check a password, refusing a disabled or locked account; the attempt goes to the
        audit log either way (the password never does)."""
        now = self.clock()
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")  # count and record as one step across processes
            retry_after = _locked_until(con, username, max_failures, lockout, now)
            if retry_after is not None:
                _audit(con, None, "login_locked", f"username={username}", now)
                con.execute("COMMIT")
                return SignIn("locked", retry_after=retry_after)
            row = con.execute(
                "SELECT password_hash, disabled FROM account WHERE username = ?", (username,)
            ).fetchone()
            ok = False
            if row is not None:
                try:
                    ok = _hasher.verify(row[0], password) and not row[1]
                except (VerificationError, InvalidHashError):
                    ok = False
            else:
                _hasher.hash(password)  # about as long as a verification: no user probing
            if ok:
                _audit(con, username, "login", "", now)
            else:
                _audit(con, None, "login_failed", f"username={username}", now)
            con.execute("COMMIT")
        return SignIn("ok", self.get(username)) if ok else SignIn("refused")

    def open_session(self, username: str) -> str:
        """A new browser session for ``username``: returns its token (kept only hashed)."""
        token = secrets.token_urlsafe(32)
        now = _iso(self.clock())
        with self._connect() as con:
            con.execute(
                "INSERT INTO web_session VALUES (?, ?, ?, ?, NULL)",
                (_token_hash(token), username, now, now),
            )
        return token

    def resume_session(
        self, token: str, idle: timedelta, max_age: timedelta
    ) -> tuple[Account, datetime] | None:
        """The account and sign-in time of the session ``token`` while it is open, not idle
        longer than ``idle``, younger than ``max_age`` and its account enabled; its activity
        is recorded. Else None (and a session found expired is ended, audited)."""
        now = self.clock()
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            row = con.execute(
                "SELECT w.username, w.created_at, w.last_seen, a.disabled FROM web_session AS w "
                "JOIN account AS a USING (username) WHERE w.token_hash = ? AND w.ended_at IS NULL",
                (_token_hash(token),),
            ).fetchone()
            if row is None:
                con.execute("COMMIT")
                return None
            username, created, seen = row[0], datetime.fromisoformat(row[1]), row[2]
            if row[3] or now - datetime.fromisoformat(seen) > idle or now - created > max_age:
                _end_session(con, token, now)
                _audit(con, username, "session_expired", "", now)
                con.execute("COMMIT")
                return None
            con.execute(
                "UPDATE web_session SET last_seen = ? WHERE token_hash = ?",
                (_iso(now), _token_hash(token)),
            )
            con.execute("COMMIT")
        return self.get(username), created

    def end_session(self, token: str) -> None:
        with self._connect() as con:
            _end_session(con, token, self.clock())

    def record(self, username: str | None, event: str, detail: str = "") -> None:
        """Append an entry to the audit log."""
        with self._connect() as con:
            _audit(con, username, event, detail, self.clock())

    def audit_log(
        self,
        limit: int = 1000,
        username: str | None = None,
        event: str | None = None,
        since: str | None = None,
    ) -> list[tuple[int, str, str | None, str, str]]:
        """The latest entries, newest first: (id, at, username, event, detail), optionally
        of one user, one event and from an ISO date on (bound parameters only)."""
        with self._connect() as con:
            return con.execute(
                "SELECT id, at, username, event, detail FROM audit_log "
                "WHERE (?1 IS NULL OR username = ?1 OR detail = 'username=' || ?1) "
                "AND (?2 IS NULL OR event = ?2) AND (?3 IS NULL OR at >= ?3) "
                "ORDER BY id DESC LIMIT ?4",
                (username, event, since, limit),
            ).fetchall()


def _locked_until(
    con: sqlite3.Connection, username: str, max_failures: int, lockout: timedelta, now: datetime
) -> datetime | None:
    """When the username may try again, if its recent failures (since its last good sign-in,
    within ``lockout``) reached ``max_failures``; else None."""
    rows = con.execute(
        "SELECT at FROM audit_log WHERE event = 'login_failed' AND detail = ? AND at > ? "
        "AND id > (SELECT coalesce(max(id), 0) FROM audit_log "
        "          WHERE event = 'login' AND username = ?) "
        "ORDER BY id DESC LIMIT ?",
        (f"username={username}", _iso(now - lockout), username, max_failures),
    ).fetchall()
    if len(rows) < max_failures:
        return None
    return datetime.fromisoformat(rows[-1][0]) + lockout


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _end_session(con: sqlite3.Connection, token: str, now: datetime) -> None:
    con.execute(
        "UPDATE web_session SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
        (_iso(now), _token_hash(token)),
    )


def _audit(
    con: sqlite3.Connection,
    username: str | None,
    event: str,
    detail: str,
    at: datetime | None = None,
) -> None:
    con.execute(
        "INSERT INTO audit_log (at, username, event, detail) VALUES (?, ?, ?, ?)",
        (_iso(at or datetime.now(UTC)), username, event, detail),
    )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: one of {', '.join(ROLES)}")


def _now() -> str:
    return _iso(datetime.now(UTC))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
