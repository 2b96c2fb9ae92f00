"""The sign-in form, shown instead of every page until a session has a user.

The password field is cleared on submit and never kept in the session state; a wrong username
and a wrong password get the same answer. The demo's accounts are listed only when the settings
say this is the demo.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import session
from dashboard.data import accounts
from dashboard.i18n import t

USERNAME_KEY, PASSWORD_KEY = "sign_in_username", "sign_in_password"


def render() -> None:
    st.title(t("app_title"))
    st.subheader(t("auth_title"), anchor=False)
    if notice := st.session_state.pop(session.NOTICE_KEY, None):
        st.info(notice, icon=":material/logout:")
    if not accounts.has_accounts():
        st.warning(t("auth_no_accounts"), icon=":material/person_off:")
    st.caption(t("auth_intro"))
    with st.form("sign_in", clear_on_submit=True, width=420):
        username = st.text_input(t("auth_username"), autocomplete="username", key=USERNAME_KEY)
        password = st.text_input(
            t("auth_password"), type="password", autocomplete="current-password", key=PASSWORD_KEY
        )
        submitted = st.form_submit_button(t("auth_submit"), type="primary", key="sign_in_submit")
    if submitted:
        result = accounts.sign_in(username, password)
        if result.outcome == "ok" and result.account is not None:
            session.start_session(accounts.user_of(result.account))
            st.rerun()
        elif result.outcome == "locked" and result.retry_after is not None:
            until = result.retry_after.astimezone().strftime("%H:%M")
            st.error(t("auth_locked", until=until), icon=":material/lock_clock:")
        else:
            st.error(t("auth_refused"), icon=":material/block:")
    demo = accounts.demo_logins()
    if demo:
        st.subheader(t("auth_demo_title"), anchor=False)
        st.caption(t("auth_demo_caption"))
        table = pd.DataFrame(
            {
                t("auth_username"): [d.username for d in demo],
                t("auth_password"): [d.password for d in demo],
                t("auth_role"): [t(f"auth_role_{d.role}") for d in demo],
            }
        )
        st.dataframe(table, hide_index=True, width=560)
