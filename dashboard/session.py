"""Who is looking, and the filters every page shares, kept in ``st.session_state``.

A session holds its user from a successful sign-in until it signs out, stays idle longer than
``auth.idle_minutes`` or reaches ``auth.session_hours``. Every run re-reads the account, so a
disabled account or a changed role or org ends the session at once.

The browser keeps a random session token in a cookie (``daihou_session``, SameSite=Strict,
Secure over https); the accounts store keeps only its hash. A new tab (every link to a
borrower file opens one) or a reload resumes the session from it instead of asking for the
password again; signing out ends it everywhere. The language chosen is kept in another
cookie (``daihou_lang``, a year), so that a reload or a bookmark opens in it. What the user may
see is enforced by the data layer, which every page's data passes with the user; the sidebar
only offers what it allows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import streamlit as st

from daihou.access import User
from daihou.settings import default_settings
from dashboard import data
from dashboard.data import accounts
from dashboard.i18n import LANG_KEY, LANGUAGES, Lang, language, t

CurrentUser = User  # the signed-in user, as pages and tests name it
ORG_KEY = "org_id"  # the org picker's widget key
AS_OF_KEY = "as_of"  # the month-end picker's widget key
ORG_PARAM, AS_OF_PARAM = "org", "as_of"  # URL query parameters
USER_KEY = "user"
SIGNED_IN_KEY = "auth_signed_in"  # time.time() of the sign-in
SEEN_KEY = "auth_seen"  # time.time() of the session's latest run
NOTICE_KEY = "auth_notice"  # why the session ended, for the sign-in page
TOKEN_KEY = "auth_token"  # the session's token (as in the browser's cookie)
COOKIE_KEY = "auth_cookie"  # a cookie change for the browser: the token to set, or "" to clear
COOKIE = "daihou_session"
LANG_COOKIE = "daihou_lang"
LANG_SAVED_KEY = "lang_saved"  # what the browser's cookie names; the default if none
LANG_COOKIE_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices, as a page reads them."""

    user: CurrentUser
    org_id: str
    as_of: date | None  # None when the warehouse has no snapshots yet
    lang: Lang


def init_language() -> None:
    """A new session opens in the language this browser chose last, else the default."""
    if LANG_KEY not in st.session_state:
        saved = st.context.cookies.get(LANG_COOKIE)
        lang = saved if saved in LANGUAGES else default_settings().language
        st.session_state[LANG_KEY] = st.session_state[LANG_SAVED_KEY] = lang


def remember_language() -> None:
    """Keep the language switch's choice in the browser for its next session; call after the
    switch is drawn. Sends the cookie only when the choice changed: a browser that never
    chose follows the configured default."""
    chosen = st.session_state[LANG_KEY]
    if chosen != st.session_state.get(LANG_SAVED_KEY):
        _send_cookie(LANG_COOKIE, chosen, LANG_COOKIE_SECONDS)
        st.session_state[LANG_SAVED_KEY] = chosen


def current_user() -> User | None:
    """The signed-in user, or None: not signed in, session expired, account disabled or
    changed (the reason is left for the sign-in page under NOTICE_KEY)."""
    user: User | None = st.session_state.get(USER_KEY)
    if user is None:
        return _resume()
    rules = accounts.rules()
    now = time.time()
    signed_in = st.session_state.setdefault(SIGNED_IN_KEY, now)
    seen = st.session_state.get(SEEN_KEY, now)
    if now - seen > rules.idle_minutes * 60 or now - signed_in > rules.session_hours * 3600:
        end_session(user, t("auth_expired"), "session_expired")
        return None
    token = st.session_state.get(TOKEN_KEY)
    if token:  # one read of the store: the session (ended in another tab?) and its account
        found = accounts.resume_session(token)
        if found is None:
            end_session(user, t("auth_expired"), "session_expired")
            return None
        current: User | None = found[0]
    else:
        current = accounts.current_account(user.username)
    if current != user:
        end_session(user, t("auth_account_changed"), "session_ended")
        return None
    st.session_state[SEEN_KEY] = now
    return user


def start_session(user: User) -> None:
    """Sign ``user`` in: a fresh session state (nothing of a previous user's choices stays)
    and a session token for the browser to keep."""
    _clear_state()
    token = accounts.open_session(user)
    _hold(user, token, time.time())
    st.session_state[COOKIE_KEY] = token


def end_session(user: User, notice: str | None = None, event: str = "logout") -> None:
    """Sign out (or expire): end the token, forget the user and every choice of theirs;
    audited."""
    accounts.sign_out(user, st.session_state.get(TOKEN_KEY), event)
    _clear_state()
    st.session_state[COOKIE_KEY] = ""
    if notice:
        st.session_state[NOTICE_KEY] = notice


def apply_cookie() -> None:
    """Send the browser a pending change of its session cookie (set after sign-in, cleared
    after sign-out), as a script: Streamlit has no server-side Set-Cookie."""
    change = st.session_state.pop(COOKIE_KEY, None)
    if change is None:
        return
    _send_cookie(COOKIE, change, accounts.rules().session_hours * 3600 if change else 0)


def _send_cookie(name: str, value: str, max_age: int) -> None:
    """Set a cookie in the browser by a script: Streamlit has no server-side Set-Cookie. The
    value is a token or a language code (no quote to escape)."""
    st.html(
        f"<script>document.cookie = '{name}={value}; Path=/; Max-Age={max_age}; "
        "SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
        width=1,
    )


def _resume() -> User | None:
    """The user of the browser's session cookie, when it names an open session."""
    token = st.context.cookies.get(COOKIE)
    if not isinstance(token, str) or not token:
        return None
    found = accounts.resume_session(token)
    if found is None:
        st.session_state[COOKIE_KEY] = ""
        return None
    user, signed_in = found
    _hold(user, token, signed_in.timestamp())
    return user


def _hold(user: User, token: str, signed_in: float) -> None:
    st.session_state.update(
        {USER_KEY: user, TOKEN_KEY: token, SIGNED_IN_KEY: signed_in, SEEN_KEY: time.time()}
    )


def _clear_state() -> None:
    """Empty the session state but for the language chosen (and what its cookie holds)."""
    kept = {k: st.session_state[k] for k in (LANG_KEY, LANG_SAVED_KEY) if k in st.session_state}
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state.update(kept)


def sync_filters(user: CurrentUser, org_ids: list[str], months: list[date]) -> list[str]:
    """Settle the shared filters before the sidebar draws them; returns notices to show.

    A new session takes ``org`` and ``as_of`` from the URL when they are valid for this user
    and refuses them with a notice otherwise. A choice the data no longer offers (after a new
    load) falls back to the user's org and the latest month end.
    """
    notices = []
    if ORG_KEY not in st.session_state:
        requested = st.query_params.get(ORG_PARAM)
        if requested is not None and not data.may_see(user, requested):
            root_name = data.visible_orgs(user).set_index("org_id").at[user.org_id, "org_name"]
            notices.append(t("org_refused", org=requested, fallback=root_name))
            requested = None
        st.session_state[ORG_KEY] = requested or user.org_id
    elif st.session_state[ORG_KEY] not in org_ids:
        st.session_state[ORG_KEY] = user.org_id

    latest = months[-1] if months else None
    if AS_OF_KEY not in st.session_state:
        requested_date = st.query_params.get(AS_OF_PARAM)
        chosen = latest
        if requested_date is not None:
            parsed = _parse_date(requested_date)
            if parsed in months:
                chosen = parsed
            else:
                notices.append(t("as_of_refused", as_of=requested_date, fallback=latest or "—"))
        st.session_state[AS_OF_KEY] = chosen
    elif st.session_state[AS_OF_KEY] not in months:
        st.session_state[AS_OF_KEY] = latest
    return notices


def publish_query_params() -> None:
    """Mirror the filters in the URL so that a link opens the same view."""
    st.query_params[ORG_PARAM] = st.session_state[ORG_KEY]
    as_of = st.session_state.get(AS_OF_KEY)
    if as_of is not None:
        st.query_params[AS_OF_PARAM] = as_of.isoformat()


def filters() -> Filters:
    return Filters(
        user=st.session_state[USER_KEY],
        org_id=st.session_state[ORG_KEY],
        as_of=st.session_state.get(AS_OF_KEY),
        lang=language(),
    )


def select_org(org_id: str) -> None:
    """Widget callback: show ``org_id`` (drill down or up)."""
    st.session_state[ORG_KEY] = org_id


def select_table_row(table_key: str, org_ids: list[str]) -> None:
    """Widget callback of a table of orgs: drill down to the selected row's org."""
    rows = st.session_state[table_key].selection.rows
    if rows:
        select_org(org_ids[rows[0]])


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
