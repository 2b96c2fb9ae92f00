"""绩效考核: account-manager and org performance scores for a period, and the bonus allocation
(METRICS.md §7), for HR.

The configuration in force is shown and stamped on every download. Staff figures only: counts,
amounts and scores, never a borrower's name or ID. Widgets and charts only: the figures come
from dashboard.data.hr.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import streamlit as st

from dashboard import data, downloads, hr_exports, hr_tables, session, tables
from dashboard import format as fmt
from dashboard.data import hr
from dashboard.i18n import t
from metrics.periods import periods_with_data
from metrics.scores import ITEM_COMPONENTS

CHART_CONFIG = {"displaylogo": False}
KINDS = ("quarter", "month", "year")

f = session.filters()
orgs = data.visible_orgs(f.user).set_index("org_id")
org = orgs.loc[f.org_id]
st.title(t("hr_title", org=org.org_name))
kind = st.segmented_control(
    t("hr_period_kind"),
    KINDS,
    default="quarter",
    format_func=lambda k: t(f"hr_kind_{k}"),
    required=True,
    key="hr_kind",
)
periods = periods_with_data(data.month_ends(), kind)
if not periods:
    st.info(t("hr_no_period"))
    st.stop()
period = st.selectbox(
    t("hr_period"), periods, format_func=lambda p: p.label, key=f"hr_period_{kind}"
)
st.caption(t("hr_caption", path=org.path_name, start=period.start, end=period.end))
rules = hr.rules()
config = rules.model_dump()
with st.expander(t("hr_config")):
    st.caption(hr_exports.config_summary(config, f.lang))
    st.dataframe(hr_exports.definitions_table(config, f.lang), hide_index=True)

scope = hr.scope_for(f.user, f.org_id)
scores = hr.manager_scores(f.user, scope, period)
previous = hr.manager_scores(f.user, scope, period.previous())
rated = scores[scores["rated"].astype(bool)]
cards = [
    (t("hr_kpi_rated"), fmt.count(len(rated)), t("hr_kpi_rated_help")),
    (t("hr_kpi_not_rated"), fmt.count(len(scores) - len(rated)), t("hr_kpi_not_rated_help")),
    (
        t("hr_kpi_mean"),
        f"{rated['total'].mean():.2f}" if len(rated) else fmt.MISSING,
        t("hr_kpi_mean_help"),
    ),
    (
        t("hr_kpi_eligible", threshold=rules.bonus_threshold),
        fmt.count(int((rated["total"] >= rules.bonus_threshold).sum())),
        t("hr_kpi_eligible_help", threshold=rules.bonus_threshold),
    ),
]
for column, (label, value, help_text) in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(label, value, help=help_text, border=True)

# -- ranking ---------------------------------------------------------------------------------
st.subheader(t("hr_ranking"))
st.caption(t("hr_ranking_caption", previous=period.previous().label))
by_manager, by_org = st.tabs([t("hr_tab_managers"), t("hr_tab_orgs")])
with by_manager:
    tables.show(hr_tables.ranking(scores, previous, f.lang, "manager_id"), height=420)
with by_org:
    units = hr.org_scores(f.user, scope, period)
    if units.empty:
        st.info(t("no_children", org=org.org_name))
    else:
        before = hr.org_scores(f.user, scope, period.previous())
        tables.show(hr_tables.ranking(units, before, f.lang, "org_id"))
st.plotly_chart(hr_tables.distribution(scores, rules.bonus_threshold, f.lang), config=CHART_CONFIG)

# -- one person's score explained ------------------------------------------------------------
st.subheader(t("hr_breakdown"))
names = dict(zip(scores["manager_id"], scores["manager_name"].fillna(""), strict=True))
manager = st.selectbox(
    t("hr_pick_manager"),
    scores["manager_id"].tolist(),
    format_func=lambda m: f"{names[m]}（{m}）" if f.lang == "zh-CN" else f"{names[m]} ({m})",
    key=f"hr_manager_{f.org_id}",
)
if manager is not None:
    row = scores.set_index("manager_id").loc[manager]
    total = fmt.MISSING if not row["rated"] else f"{row['total']:.2f}"
    st.caption(
        t("hr_breakdown_caption", total=total, status=hr_tables.status(
            bool(row["rated"]), row["not_rated_reason"], f.lang))
    )  # fmt: skip
    tables.show(hr_tables.breakdown(row, f.lang))
    owed = hr.manager_obligations(f.user, scope, period, manager)
    with st.expander(t("hr_obligations_title", n=len(owed))):
        tables.show(hr_tables.obligations(owed, f.lang), height=300)
    for component in ITEM_COMPONENTS:
        behind = hr.component_items(f.user, scope, period, component, manager)
        label = t(f"hr_items_{component}", n=len(behind))
        with st.expander(label):
            tables.show(hr_tables.items(behind, component, f.lang), height=300)

# -- bonus -----------------------------------------------------------------------------------
st.subheader(t("hr_bonus"))
pool = st.number_input(
    t("hr_pool"), min_value=0.0, value=0.0, step=10_000.0, format="%.2f", help=t("hr_pool_help")
)
generated = datetime.now().replace(microsecond=0)
title = t("hr_export_title", org=org.org_name, period=period.label)
allocation = None
if pool > 0:
    allocation = hr.allocation(f.user, scope, period, Decimal(f"{pool:.2f}"))
    st.caption(
        t("hr_bonus_caption", pool=f"{pool:,.2f}", threshold=rules.bonus_threshold,
          deferred=f"{rules.bonus_deferred_share:.0%}")
    )  # fmt: skip
    tables.show(hr_tables.bonus(allocation, f.lang), height=420)
buttons = st.container(horizontal=True)
workbook_name = f"hr_scores_{f.org_id}_{period.label}"
downloads.button(
    t("hr_download_xlsx"),
    lambda: (
        hr_exports.workbook(scores, allocation, config, period.end, generated, title, f.lang),
        len(scores),
    ),
    f"{workbook_name}.xlsx",
    f.user,
    scope,
    buttons,
)
downloads.button(
    t("hr_download_csv"),
    lambda: (
        hr_exports.scores_csv(scores, config, period.end, generated, title, f.lang),
        len(scores),
    ),
    f"{workbook_name}.csv",
    f.user,
    scope,
    buttons,
)
