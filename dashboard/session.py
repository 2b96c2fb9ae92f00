"""Who is looking, and the filters every page shares, kept in ``st.session_state``.

There is no login yet: every session belongs to a demo user who may see the whole bank. A
later issue replaces ``current_user`` with a real sign-in; everything downstream already takes
the user's org as the root of what may be shown, and the data layer refuses anything outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from daihou.settings import default_settings
from dashboard import data
from dashboard.i18n import LANG_KEY, Lang, language, t

ORG_KEY = "org_id"  # the org picker's widget key
AS_OF_KEY = "as_of"  # the month-end picker's widget key
ORG_PARAM, AS_OF_PARAM = "org", "as_of"  # URL query parameters
_USER_KEY = "user"
DEMO_USER_NAME = "演示用户"


@dataclass(frozen=True)
class CurrentUser:
    """The person using the dashboard: what they may see is the subtree of ``org_id``."""

    name: str
    role: str  # "admin" for the demo user; roles arrive with login
    org_id: str


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices, as a page reads them."""

    user: CurrentUser
    org_id: str
    as_of: date | None  # None when the warehouse has no snapshots yet
    lang: Lang


def init_language() -> None:
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = default_settings().language


def current_user() -> CurrentUser | None:
    """The session's user: until login exists, the demo user at the root of the org tree.

    None when the warehouse holds no org yet.
    """
    if _USER_KEY not in st.session_state:
        root = data.root_org_id()
        if root is None:
            return None
        st.session_state[_USER_KEY] = CurrentUser(DEMO_USER_NAME, "admin", root)
    return st.session_state[_USER_KEY]


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
        user=st.session_state[_USER_KEY],
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
