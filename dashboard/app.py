"""Entry script: sign-in, page setup, the shared sidebar (language, org, data date) and the
navigation of the pages the user's role may open.

Run with ``streamlit run dashboard/app.py``; the warehouse comes from the settings (env
DAIHOU_WAREHOUSE). Pages live in ``views/`` and read the shared filters from session.filters().
A page left out of the navigation cannot be opened by URL either; its data would be refused by
the data layer anyway (daihou.access).
Not ``pages/``: a folder of that name beside the entry script switches Streamlit to its old
multipage mode, in which a rerun (in AppTest, every rerun) runs the page without this script.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from daihou.access import Access
from dashboard import data, links, session, sign_in
from dashboard.i18n import LANG_KEY, LANGUAGE_NAMES, LANGUAGES, t

session.init_language()
st.set_page_config(page_title=t("app_title"), page_icon="🏦", layout="wide")


def language_switch() -> None:
    # Labelled in both languages so that either reader finds it.
    st.sidebar.radio(
        "语言 / Language",
        LANGUAGES,
        format_func=LANGUAGE_NAMES.__getitem__,
        key=LANG_KEY,
        horizontal=True,
    )
    session.remember_language()


if data.pin_generation() is None:  # every figure of this run from one load
    language_switch()
    st.title(t("app_title"))
    st.info(t("no_warehouse", path=data.warehouse_path()), icon=":material/database:")
    st.stop()

user = session.current_user()
session.apply_cookie()
if user is None:
    language_switch()
    sign_in.render()
    st.stop()
if (orgs := data.visible_orgs(user)).empty:
    language_switch()
    st.error(t("no_orgs"))
    st.stop()

months = data.month_ends()
notices = session.sync_filters(user, orgs["org_id"].tolist(), months)

# "分行 / 支行" paths below the user's own org, listed in tree order: readable when closed,
# and typing any part of a name finds the org.
org_labels = {
    row.org_id: row.path_name.split(" / ", 1)[1] if row.depth else row.org_name
    for row in orgs.itertuples(index=False)
}
with st.sidebar:
    st.selectbox(
        t("org"),
        orgs["org_id"].tolist(),
        format_func=org_labels.__getitem__,
        key=session.ORG_KEY,
        help=t("org_help"),
    )
    if months:
        st.selectbox(
            t("as_of"),
            months[::-1],
            format_func=date.isoformat,
            key=session.AS_OF_KEY,
            help=t("as_of_help"),
        )
    st.caption(
        t("auth_signed_in_as", name=user.name, role=t(f"auth_role_{user.role}"),
          org=org_labels[user.org_id])
    )  # fmt: skip
    st.button(
        t("auth_sign_out"),
        on_click=session.end_session,
        args=(user, t("auth_signed_out")),
        icon=":material/logout:",
        key="sign_out",
    )
language_switch()
session.publish_query_params()

for notice in notices:
    st.warning(notice, icon=":material/block:")

# (script, title, icon, url path, the data it needs); the first the role may open is the default.
PAGES = [
    ("views/overview.py", "page_overview", ":material/monitoring:", None, Access.PORTFOLIO),
    ("views/asset_quality.py", "page_asset_quality", ":material/analytics:", None,
     Access.PORTFOLIO),
    ("views/inspection.py", "page_inspection", ":material/task_alt:", "inspection",
     Access.PORTFOLIO),
    ("views/watchlist.py", "page_watchlist", ":material/warning:", "watchlist", Access.BORROWERS),
    ("views/borrower.py", "page_borrower", ":material/person_search:", links.BORROWER_PATH,
     Access.BORROWERS),
    ("views/hr.py", "page_hr", ":material/leaderboard:", "hr", Access.STAFF),
    ("views/data_quality.py", "page_data_quality", ":material/fact_check:", None, Access.LOADS),
    ("views/admin.py", "page_admin", ":material/admin_panel_settings:", "admin", Access.ADMIN),
]  # fmt: skip
allowed = [page for page in PAGES if user.may(page[4])]
pages = [
    st.Page(script, title=t(title), icon=icon, url_path=url_path, default=i == 0 and not url_path)
    for i, (script, title, icon, url_path, _) in enumerate(allowed)
]
# Streamlit serves the default page at the root alone, so a role whose first page has a path
# of its own (HR: /hr) would answer a shared link to that path with "page not found": that
# page keeps its path, and a hidden twin of it serves the root.
script, title, icon, url_path, _ = allowed[0]
if url_path:
    twin = st.Page(script, title=t(title), icon=icon, url_path="home", default=True,
                   visibility="hidden")  # fmt: skip
    pages.insert(0, twin)
st.navigation(pages).run()
