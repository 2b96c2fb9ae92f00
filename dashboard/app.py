"""Entry script: page setup, the shared sidebar (language, org, data date) and navigation.

Run with ``streamlit run dashboard/app.py``; the warehouse comes from the settings (env
DAIHOU_WAREHOUSE). Pages live in ``views/`` and read the shared filters from session.filters().
Not ``pages/``: a folder of that name beside the entry script switches Streamlit to its old
multipage mode, in which a rerun (in AppTest, every rerun) runs the page without this script.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import data, links, session
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


if data.generation() is None:
    language_switch()
    st.title(t("app_title"))
    st.info(t("no_warehouse", path=data.warehouse_path()), icon=":material/database:")
    st.stop()

user = session.current_user()
if user is None or (orgs := data.visible_orgs(user)).empty:
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
    st.caption(t("signed_in_as", name=user.name, org=org_labels[user.org_id]))
language_switch()
session.publish_query_params()

for notice in notices:
    st.warning(notice, icon=":material/block:")

pages = [
    st.Page(
        "views/overview.py",
        title=t("page_overview"),
        icon=":material/monitoring:",
        default=True,
    ),
    st.Page("views/asset_quality.py", title=t("page_asset_quality"), icon=":material/analytics:"),
    st.Page(
        "views/inspection.py",
        title=t("page_inspection"),
        icon=":material/task_alt:",
        url_path="inspection",
    ),
    st.Page(
        "views/watchlist.py",
        title=t("page_watchlist"),
        icon=":material/warning:",
        url_path="watchlist",
    ),
    st.Page(
        "views/borrower.py",
        title=t("page_borrower"),
        icon=":material/person_search:",
        url_path=links.BORROWER_PATH,
    ),
    st.Page("views/hr.py", title=t("page_hr"), icon=":material/leaderboard:", url_path="hr"),
    st.Page("views/data_quality.py", title=t("page_data_quality"), icon=":material/fact_check:"),
]
st.navigation(pages).run()
