"""Drill-down along the org tree, shared by the pages that break figures down by sub-unit: a
button back up to the parent, and tables whose rows drill down when selected."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard import session, tables
from dashboard.i18n import t


def up_button(f: session.Filters, orgs: pd.DataFrame) -> None:
    """返回上级: back to the parent org, unless the page shows the user's own org.

    ``orgs``: data.visible_orgs indexed by org_id.
    """
    if f.org_id == f.user.org_id:
        return
    parent = orgs.at[f.org_id, "parent_org_id"]
    st.button(
        t("up_to", name=orgs.at[parent, "org_name"]),
        icon=":material/arrow_upward:",
        on_click=session.select_org,
        args=(parent,),
    )


def org_table(table: tables.Table, org_ids: list[str], key: str) -> None:
    """A table with one org per row (``org_ids`` in row order): selecting a row shows it."""
    tables.show(
        table,
        key=key,
        on_select=partial(session.select_table_row, key, org_ids),
        selection_mode="single-row",
    )
