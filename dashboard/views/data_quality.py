"""数据质量: what each load read, loaded and rejected, and why (DOMAIN.md: a load must say
exactly what it rejected and why). Widgets and tables only: rows come from dashboard.data.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, session, tables
from dashboard.i18n import entity_label, load_status_label, t
from etl.contract import LOAD_ORDER

DISPLAY_LIMIT = 2000  # rejected rows shown on the page; the download has them all

f = session.filters()
st.title(t("page_data_quality"))

runs = data.load_runs(f.user)
if runs.empty:
    st.info(t("dq_no_runs"))
    st.stop()

st.subheader(t("dq_runs"))
st.caption(t("dq_runs_caption"))
tables.show(tables.load_runs(runs, f.lang))

by_id = runs.set_index("load_id")
load_id = st.selectbox(
    t("dq_load"),
    by_id.index.tolist(),
    format_func=lambda i: t(
        "dq_load_option",
        id=i,
        time=f"{by_id.at[i, 'started_at']:%Y-%m-%d %H:%M}",
        status=load_status_label(by_id.at[i, "status"], f.lang),
    ),
    key=f"dq_load_{f.lang}",  # labels change with the language: a new widget
)

st.subheader(t("dq_files"))
tables.show(tables.load_files(data.load_files(f.user, load_id), f.lang), height="content")

st.subheader(t("dq_rejects"))
st.caption(t("dq_rejects_caption"))
left, right = st.columns(2)
entity = left.selectbox(
    t("dq_entity"),
    [None, *LOAD_ORDER],
    format_func=lambda e: t("dq_all_entities") if e is None else entity_label(e, f.lang),
    key=f"dq_entity_{f.lang}",
)
search = right.text_input(t("dq_text"), key="dq_text").strip() or None

counts = data.rejected_counts(f.user, load_id, entity, search)
if counts.empty:
    st.info(t("dq_no_rejects"))
    st.stop()

st.markdown(f"**{t('dq_counts')}**")
tables.show(tables.rejected_counts(counts, f.lang))

rows = data.rejected_rows(f.user, load_id, entity, search, limit=DISPLAY_LIMIT)
total = int(counts["problem_count"].sum())
st.markdown(f"**{t('dq_details')}**")
if total > len(rows):
    st.caption(t("dq_shown", shown=f"{len(rows):,}", total=f"{total:,}"))
tables.show(tables.rejected_rows(rows, f.lang))
st.download_button(
    t("dq_download"),
    data.rejected_rows_csv(f.user, load_id, entity, search),
    file_name=f"rejected_rows_load{load_id}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
