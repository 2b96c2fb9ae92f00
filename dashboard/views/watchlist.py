"""风险预警 · 问题客户清单: the problem borrowers of the chosen org at the chosen month end
(METRICS.md §6).

For the credit supervision department: how many customers are on the watch list and with how
much balance, by severity; which triggers and which sub-units they come from; the list itself,
highest score first, each customer linking to its borrower file; Excel/CSV of the filtered
list. The filters (triggers, severity, responsible manager) narrow every figure on the page.
Widgets and charts only: figures come from dashboard.data.watchlist.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import data, downloads, session, tables
from dashboard import format as fmt
from dashboard import watchlist_charts as charts
from dashboard import watchlist_tables as wtables
from dashboard.data import watchlist
from dashboard.i18n import t
from metrics.watchlist import SEVERITIES, TRIGGERS, WatchlistFilter

CHART_CONFIG = {"displaylogo": False}
ALL = ""  # the "all managers" option
TABLE_HEIGHT = 640
TOP_MANAGERS = 10  # managers in the chart of a unit without sub-units


def iso(day: date) -> str:
    return day.isoformat()


f = session.filters()
orgs = data.visible_orgs(f.user).set_index("org_id")
org = orgs.loc[f.org_id]
st.title(t("wl_title", org=org.org_name))
if f.as_of is None:
    st.info(t("no_months"))
    st.stop()
st.caption(t("wl_caption", path=org.path_name, as_of=iso(f.as_of)))

rules = watchlist.rules()
labels = {name: wtables.trigger_label(name, rules, f.lang) for name in TRIGGERS}
with st.expander(t("wl_rules_title"), icon=":material/calculate:"):
    r = rules.watchlist
    st.markdown(t("wl_rules_intro", high=r.severity_high_from, medium=r.severity_medium_from))
    st.markdown("\n".join(f"- {line}" for line in wtables.rule_lines(rules, f.lang)))
    st.caption(t("wl_rules_notes"))

scope = data.scope_for(f.user, f.org_id)

# -- filters ---------------------------------------------------------------------------------
managers = watchlist.by_manager(f.user, scope, f.as_of, WatchlistFilter())
manager_names = dict(
    zip(
        managers["manager_id"],
        managers["manager_name"].fillna(managers["manager_id"]),
        strict=True,
    )
)
manager_counts = dict(zip(managers["manager_id"], managers["customer_count"], strict=True))
pick_triggers, pick_severity, pick_manager = st.columns([3, 2, 2])
chosen_triggers = pick_triggers.multiselect(
    t("wl_filter_triggers"),
    TRIGGERS,
    format_func=labels.__getitem__,
    placeholder=t("wl_filter_triggers_placeholder"),
    help=t("wl_filter_triggers_help"),
    key=f"wl_triggers_{f.lang}",  # per language: a chosen label stays in its language
)
chosen_severities = pick_severity.multiselect(
    t("wl_filter_severity"),
    SEVERITIES,
    format_func=lambda s: wtables.severity_label(s, f.lang),
    placeholder=t("filter_all"),
    key=f"wl_severity_{f.lang}",
)
chosen_manager = pick_manager.selectbox(
    t("wl_filter_manager"),
    [ALL, *manager_names],
    format_func=lambda m: (
        t("filter_all")
        if m == ALL
        else t("wl_manager_option", name=manager_names[m], count=f"{manager_counts[m]:,}")
    ),
    help=t("wl_filter_manager_help"),
    key=f"wl_manager_{f.org_id}_{f.as_of}_{f.lang}",  # its managers change with org and month
)
filters = WatchlistFilter(  # in a fixed order, so that the cache keys do not depend on clicks
    tuple(n for n in TRIGGERS if n in chosen_triggers),
    tuple(s for s in SEVERITIES if s in chosen_severities),
    chosen_manager or None,
)
filter_text = t("list_sep").join(
    t("filter_item", name=name, value=value)
    for name, value in (
        (t("wl_filter_triggers"), wtables.words([labels[n] for n in filters.triggers], f.lang)),
        (
            t("wl_filter_severity"),
            wtables.words([wtables.severity_label(s, f.lang) for s in filters.severities], f.lang),
        ),
        (t("wl_filter_manager"), manager_names.get(chosen_manager, "")),
    )
    if value
)
if filter_text:
    st.caption(t("wl_filters_active", filters=filter_text))

# -- figures ---------------------------------------------------------------------------------
summary = watchlist.summary(f.user, scope, f.as_of, filters)
unit = fmt.unit_for(summary.balance, f.lang)
cards = [
    (t("wl_kpi_count"), fmt.count(summary.customer_count), t("wl_kpi_count_help")),
    (
        t("with_unit", label=t("wl_kpi_balance"), unit=unit.label),
        fmt.amount(summary.balance, unit),
        t("wl_kpi_balance_help"),
    ),
    *(
        (
            t("wl_kpi_severity", severity=wtables.severity_label(s, f.lang)),
            fmt.count(summary.by_severity[s]),
            t("wl_kpi_severity_help", band=wtables.severity_band(s, rules, f.lang)),
        )
        for s in SEVERITIES
    ),
]
for column, (label, value, help_text) in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(label, value, help=help_text, border=True)

if not summary.customer_count:
    st.info(t("wl_empty", as_of=iso(f.as_of)))
    st.stop()

by_org = watchlist.by_org(f.user, scope, f.as_of, filters)
left, right = st.columns(2)
with left:
    st.subheader(t("wl_by_trigger"))
    st.caption(t("wl_by_trigger_caption"))
    st.plotly_chart(charts.by_trigger(summary.by_trigger, labels, f.lang), config=CHART_CONFIG)
with right:
    if not by_org["is_own_book"].all():  # sub-units to compare
        st.subheader(t("wl_by_org"))
        st.caption(t("wl_by_org_caption"))
        units, unit_labels = by_org, tables.org_unit_labels(by_org, f.lang)
    else:  # a sub-branch: its managers
        by_manager = watchlist.by_manager(f.user, scope, f.as_of, filters)
        st.subheader(t("wl_by_manager"))
        total = len(by_manager)
        if total > TOP_MANAGERS:
            st.caption(t("wl_by_manager_caption", n=TOP_MANAGERS, total=total))
        else:
            st.caption(t("wl_by_manager_caption_all", n=total))
        units = by_manager.head(TOP_MANAGERS)
        unit_labels = units["manager_name"].fillna(units["manager_id"]).tolist()
    st.plotly_chart(charts.by_severity(units, unit_labels, f.lang), config=CHART_CONFIG)

# -- the list --------------------------------------------------------------------------------
st.subheader(t("wl_list"))
rows = watchlist.listing(f.user, scope, f.as_of, filters)
count = fmt.count(summary.customer_count)
if summary.customer_count > len(rows):
    capped = summary.customer_count > watchlist.EXPORT_LIMIT
    export_note = t("wl_export_capped", limit=fmt.count(watchlist.EXPORT_LIMIT)) if capped else ""
    st.caption(
        t("wl_list_shown_first", count=count, shown=fmt.count(len(rows)), export=export_note)
    )
else:
    st.caption(t("wl_list_caption", count=count))
tables.show(wtables.listing(rows, f.as_of, rules, f.lang), height=TABLE_HEIGHT)

export_rows = watchlist.export_rows(f.user, scope, f.as_of, filters)
downloads.buttons(
    lambda: wtables.export(export_rows(), rules, f.lang),
    t(
        "wl_export_title",
        path=org.path_name,
        as_of=iso(f.as_of),
        filters=t("wl_export_filters", filters=filter_text) if filter_text else "",
    ),
    t("wl_list"),
    f"watchlist_{f.org_id}_{f.as_of:%Y%m%d}",
    f.user,
    scope,
)
