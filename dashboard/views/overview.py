"""总览: asset quality of the chosen org at the chosen month end (METRICS.md §1).

KPIs against the previous month end, the five-class structure, the class trend and the
sub-units, with drill-down along the org tree. Widgets and charts only: figures come from
dashboard.data.
"""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, drill, kpis, session, tables
from dashboard.i18n import t

TREND_MONTHS = 36
CHART_CONFIG = {"displaylogo": False}

f = session.filters()
orgs = data.visible_orgs(f.user).set_index("org_id")
org = orgs.loc[f.org_id]
st.title(org.org_name)
if f.as_of is None:
    st.info(t("no_months"))
    st.stop()
st.caption(t("overview_caption", path=org.path_name, as_of=f.as_of.isoformat()))

scope = data.scope_for(f.user, f.org_id)
now = data.asset_quality_at(f.user, scope, f.as_of)
previous = data.previous_month_end(f.as_of)
before = data.asset_quality_at(f.user, scope, previous) if previous else None

cards = kpis.kpi_cards(now, before, f.lang)
for column, card in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(
        card.label, card.value, card.change, delta_color=card.colour, help=card.help, border=True
    )
if previous is not None:
    st.caption(t("delta_caption", previous=previous.isoformat()))

st.subheader(t("class_structure"))
st.caption(t("class_structure_caption", as_of=f.as_of.isoformat()))
left, right = st.columns([3, 2], vertical_alignment="center")
with left:
    tables.show(tables.class_structure(now, f.lang), height="content")
with right:
    if now.loan_count:
        st.plotly_chart(charts.class_structure(now.class_frame(), f.lang), config=CHART_CONFIG)

st.subheader(t("trend_title"))
start, end = data.trend_window(f.as_of, TREND_MONTHS)
trend = data.asset_quality_trend(f.user, scope, start, end)
st.caption(
    t(
        "trend_caption",
        start=trend["as_of_date"].min().date().isoformat(),
        end=end.isoformat(),
    )
)
st.plotly_chart(charts.class_trend(trend, f.lang), config=CHART_CONFIG)

st.subheader(t("children_title"))
drill.up_button(f, orgs)
children = data.children_breakdown(f.user, scope, f.as_of)
if children.empty:
    st.info(t("no_children", org=org.org_name))
else:
    st.caption(t("children_caption", as_of=f.as_of.isoformat()))
    drill.org_table(
        tables.children(children, f.lang), children["org_id"].tolist(), f"children_of_{f.org_id}"
    )
