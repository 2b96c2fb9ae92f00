"""用户与审计 (admin only): the accounts, creating one, changing a role or disabling one, and
the audit log. Widgets and tables only: dashboard.data.accounts checks the admin role on every
call and the store audits every change.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from daihou.access import ROLES
from daihou.accounts import AccountError
from dashboard import data, downloads, exports, session
from dashboard.data import accounts
from dashboard.i18n import t
from metrics.scope import Scope

AUDIT_LIMIT = 2000
EVENTS = (
    "login", "login_failed", "login_locked", "logout", "session_expired", "session_ended",
    "open_borrower", "export", "refused", "account_added", "account_role", "account_disabled",
)  # fmt: skip

f = session.filters()
st.title(t("page_admin"))
orgs = data.visible_orgs(f.user).set_index("org_id")
org_ids = orgs.index.tolist()


def org_label(org_id: str) -> str:
    return f"{org_id} · {orgs.at[org_id, 'path_name']}" if org_id in orgs.index else org_id


def role_label(role: str) -> str:
    return t(f"auth_role_{role}")


# -- accounts --------------------------------------------------------------------------------
st.subheader(t("adm_accounts"))
listing = accounts.account_list(f.user)
st.caption(t("adm_accounts_caption", n=len(listing)))
st.dataframe(
    pd.DataFrame(
        {
            t("auth_username"): listing["username"],
            t("adm_display_name"): listing["display_name"],
            t("auth_role"): listing["role"].map(role_label),
            t("adm_org"): listing["org_id"].map(org_label),
            t("adm_staff_id"): listing["staff_id"].fillna(""),
            t("adm_status"): listing["disabled"].map(
                lambda off: t("adm_disabled") if off else t("adm_active")
            ),
        }
    ),
    hide_index=True,
)

add, change = st.columns(2)
with add, st.form("adm_add", clear_on_submit=True, border=True):
    st.markdown(f"**{t('adm_add')}**")
    username = st.text_input(t("auth_username"), key="adm_add_username")
    display_name = st.text_input(t("adm_display_name"), key="adm_add_name")
    password = st.text_input(t("auth_password"), type="password", autocomplete="new-password",
                             key="adm_add_password")  # fmt: skip
    again = st.text_input(t("adm_password_again"), type="password",
                          autocomplete="new-password", key="adm_add_again")  # fmt: skip
    role = st.selectbox(t("auth_role"), ROLES, format_func=role_label, key="adm_add_role")
    org_id = st.selectbox(t("adm_org"), org_ids, format_func=org_label, key="adm_add_org")
    staff_id = st.text_input(t("adm_staff_id"), help=t("adm_staff_help"), key="adm_add_staff")
    if st.form_submit_button(t("adm_add_submit"), type="primary", key="adm_add_submit"):
        if password != again:
            st.error(t("adm_passwords_differ"))
        else:
            try:
                made = accounts.add_account(
                    f.user, username, password, role, org_id, display_name, staff_id
                )
                st.success(t("adm_added", username=made.username))
            except AccountError as exc:
                st.error(str(exc))

with change, st.form("adm_change", border=True):
    st.markdown(f"**{t('adm_change')}**")
    who = st.selectbox(t("adm_account"), listing["username"].tolist())
    new_role = st.selectbox(t("auth_role"), ROLES, format_func=role_label, key="adm_new_role")
    new_org = st.selectbox(t("adm_org"), org_ids, format_func=org_label, key="adm_new_org")
    new_staff = st.text_input(t("adm_staff_id"), help=t("adm_staff_help"), key="adm_new_staff")
    buttons = st.container(horizontal=True)
    set_clicked = buttons.form_submit_button(t("adm_set_role"))
    disable_clicked = buttons.form_submit_button(t("adm_disable"), type="secondary")
    try:
        if set_clicked and who:
            done = accounts.set_role(f.user, who, new_role, new_org, new_staff)
            st.success(t("adm_role_set", username=who, role=role_label(done.role),
                         org=org_label(done.org_id)))  # fmt: skip
        if disable_clicked and who:
            accounts.disable(f.user, who)
            st.success(t("adm_disabled_done", username=who))
    except AccountError as exc:
        st.error(str(exc))

# -- audit log -------------------------------------------------------------------------------
st.subheader(t("adm_audit"))
filters = st.columns(3)
user_filter = filters[0].text_input(t("adm_audit_user"), key="adm_audit_user")
event_filter = filters[1].selectbox(
    t("adm_audit_event"),
    [None, *EVENTS],
    format_func=lambda e: t("adm_all_events") if e is None else t(f"adm_event_{e}"),
    key="adm_audit_event",
)
since: date | None = filters[2].date_input(t("adm_audit_since"), value=None, key="adm_since")
log = accounts.audit_entries(
    f.user, user_filter.strip(), event_filter, since.isoformat() if since else None, AUDIT_LIMIT
)
st.caption(t("adm_audit_caption", n=f"{len(log):,}"))
shown = pd.DataFrame(
    {
        t("adm_at"): log["at"],
        t("auth_username"): log["username"].fillna(""),
        t("adm_audit_event"): log["event"].map(lambda e: t(f"adm_event_{e}") if e in EVENTS else e),
        t("adm_detail"): log["detail"],
    }
)
st.dataframe(shown, hide_index=True, height=480)
downloads.button(
    t("download_csv"),
    lambda: (exports.csv(shown), len(shown)),
    f"audit_log_{date.today():%Y%m%d}.csv",
    f.user,
    Scope(f.user.org_id),
)
