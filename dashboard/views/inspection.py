"""贷后检查: inspection compliance of the chosen org for a period (METRICS.md §5).

For branch heads: KPIs against the previous period, compliance by sub-unit (drill down) and by
account manager (ranked), the monthly trend, the kinds of inspection, the overdue backlog, what
falls due in the next 7 or 30 days, and report quality; every list downloads. Widgets and
charts only: figures come from dashboard.data.inspection.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import data, downloads, drill, kpis, session, tables
from dashboard import inspection_charts as charts
from dashboard import inspection_tables as itables
from dashboard.data import inspection
from dashboard.i18n import t
from metrics.periods import PERIOD_KINDS, period_window

TREND_MONTHS = 12
DUE_SOON_DAYS = (7, 30)
CHART_CONFIG = {"displaylogo": False}


def iso(day: date) -> str:
    return day.isoformat()


def rules_text() -> str:
    rules = inspection.rules()
    by_days: dict[int, list[str]] = {}
    for rating, days in rules.routine_interval_days.items():
        label = t("ins_unrated") if rating == "unrated" else rating
        by_days.setdefault(days, []).append(label)
    intervals = t("list_sep").join(
        t("ins_interval", ratings="/".join(ratings), days=days)
        for days, ratings in sorted(by_days.items(), reverse=True)
    )
    return t(
        "ins_rules",
        first=rules.first_due_days,
        self_pay=rules.first_due_days_self_pay,
        fund_flow=rules.fund_flow_due_working_days,
        intervals=intervals,
        special=rules.special_due_days,
        collateral=rules.collateral_revaluation_days,
        report=rules.report_due_working_days,
    )


f = session.filters()
orgs = data.visible_orgs(f.user).set_index("org_id")
org = orgs.loc[f.org_id]
st.title(t("ins_title", org=org.org_name))
if f.as_of is None:
    st.info(t("no_months"))
    st.stop()
st.caption(t("ins_caption", path=org.path_name, as_of=iso(f.as_of)))
scope = data.scope_for(f.user, f.org_id)

period = st.segmented_control(
    t("ins_period"),
    PERIOD_KINDS,
    default="month",
    format_func=lambda kind: t(f"ins_period_{kind}"),
    required=True,
    key="ins_period",
)
start, end = period_window(f.as_of, period)
st.caption(t("ins_period_caption", start=iso(start), end=iso(end), as_of=iso(f.as_of)))
with st.expander(t("ins_rules_title")):
    st.markdown(rules_text())

# -- KPIs ------------------------------------------------------------------------------------
now = inspection.compliance(f.user, scope, start, end, f.as_of)
before_start, before_end = period_window(start, period)
before = inspection.compliance(f.user, scope, before_start, before_end, before_end)
reports = inspection.report_quality(f.user, scope, start, end)
cards = kpis.compliance_cards(
    now, before if before.due else None, reports, inspection.rules().report_due_working_days, f.lang
)
for first in range(0, len(cards), 3):
    for column, card in zip(st.columns(3), cards[first : first + 3], strict=True):
        column.metric(
            card.label, card.value, card.change, delta_color=card.colour, help=card.help,
            border=True,
        )  # fmt: skip
if before.due:
    st.caption(t("ins_delta_caption", start=iso(before_start), end=iso(before_end)))

# -- by sub-unit -----------------------------------------------------------------------------
st.subheader(t("ins_by_org"))
drill.up_button(f, orgs)
by_org = inspection.by_org(f.user, scope, start, end, f.as_of)
if by_org["is_own_book"].all():
    st.info(t("no_children", org=org.org_name))
else:
    st.caption(t("ins_by_org_caption"))
    drill.org_table(
        itables.by_org(by_org, f.lang), by_org["org_id"].tolist(), f"ins_units_{f.org_id}"
    )
    labels = tables.org_unit_labels(by_org, f.lang)
    st.plotly_chart(charts.rates_by_org(by_org, labels, f.lang), config=CHART_CONFIG)

# -- by manager ------------------------------------------------------------------------------
st.subheader(t("ins_by_manager"))
ranking = inspection.by_manager(f.user, scope, start, end, f.as_of)
st.caption(t("ins_by_manager_caption", n=len(ranking)))
tables.show(itables.by_manager(ranking, f.lang), height=420)
name = f"{f.org_id}_{f.as_of:%Y%m%d}_{period}"
downloads.buttons(
    lambda: itables.ranking_export(ranking, f.lang),
    t("ins_export_title", what=t("ins_by_manager"), path=org.path_name, as_of=iso(f.as_of)),
    t("ins_by_manager"),
    f"inspection_ranking_{name}",
    f.user,
    scope,
)

# -- trend and kinds -------------------------------------------------------------------------
st.subheader(t("ins_trend"))
trend_start, _ = period_window(f.as_of, "last12")
monthly = inspection.trend(f.user, scope, trend_start, f.as_of, f.as_of)
st.caption(t("ins_trend_caption", as_of=iso(f.as_of)))
st.plotly_chart(charts.trend(monthly, f.lang), config=CHART_CONFIG)

st.subheader(t("ins_by_kind"))
tables.show(itables.by_kind(inspection.by_kind(f.user, scope, start, end, f.as_of), f.lang))

# -- overdue backlog -------------------------------------------------------------------------
st.subheader(t("ins_backlog"))
backlog = inspection.overdue_backlog(f.user, scope, f.as_of)
if backlog.empty:
    st.info(t("ins_no_backlog", as_of=iso(f.as_of)))
else:
    shown_note = (
        t("ins_shown_first", n=f"{len(backlog):,}", export=f"{inspection.EXPORT_LIMIT:,}")
        if now.overdue_backlog > len(backlog)
        else ""
    )
    st.caption(
        t("ins_backlog_caption", as_of=iso(f.as_of), total=f"{now.overdue_backlog:,}",
          shown=shown_note)
    )  # fmt: skip
    tables.show(itables.open_obligations(backlog, f.as_of, f.lang, overdue=True), height=420)
    downloads.buttons(
        lambda: itables.open_obligations_export(
            inspection.overdue_backlog(f.user, scope, f.as_of, inspection.EXPORT_LIMIT),
            f.as_of,
            f.lang,
            overdue=True,
        ),
        t("ins_export_title", what=t("ins_backlog"), path=org.path_name, as_of=iso(f.as_of)),
        t("ins_backlog"),
        f"inspection_backlog_{f.org_id}_{f.as_of:%Y%m%d}",
        f.user,
        scope,
    )

# -- due soon --------------------------------------------------------------------------------
st.subheader(t("ins_due_soon"))
days = st.segmented_control(
    t("ins_due_soon_days"),
    DUE_SOON_DAYS,
    default=DUE_SOON_DAYS[0],
    format_func=lambda d: t("ins_days_list", days=d),
    required=True,
    key="ins_due_soon_days",
)
soon = inspection.due_soon(f.user, scope, f.as_of, days)
if soon.empty:
    st.info(t("ins_no_due_soon", as_of=iso(f.as_of), days=days))
else:
    st.caption(t("ins_due_soon_caption", as_of=iso(f.as_of), days=days, n=f"{len(soon):,}"))
    tables.show(itables.open_obligations(soon, f.as_of, f.lang, overdue=False), height=420)
    downloads.buttons(
        lambda: itables.open_obligations_export(soon, f.as_of, f.lang, overdue=False),
        t("ins_export_title", what=t("ins_due_soon"), path=org.path_name, as_of=iso(f.as_of)),
        t("ins_due_soon"),
        f"inspection_due_{days}d_{f.org_id}_{f.as_of:%Y%m%d}",
        f.user,
        scope,
    )

# -- report quality --------------------------------------------------------------------------
st.subheader(t("ins_report"))
st.caption(
    t("ins_report_caption", inspections=f"{reports.inspections:,}",
      without=f"{reports.without_report:,}", late=f"{reports.late_report:,}",
      unreviewed=f"{reports.without_reviewer:,}",
      days=inspection.rules().report_due_working_days)
)  # fmt: skip
issues = inspection.report_issues(f.user, scope, start, end)
if issues.empty:
    st.info(t("ins_no_report_issues"))
else:
    tables.show(itables.report_issues(issues, f.as_of, f.lang), height=420)
    downloads.buttons(
        lambda: itables.report_issues_export(
            inspection.report_issues(f.user, scope, start, end, inspection.EXPORT_LIMIT),
            f.as_of,
            f.lang,
        ),
        t("ins_export_title", what=t("ins_report"), path=org.path_name, as_of=iso(f.as_of)),
        t("ins_report"),
        f"inspection_reports_{name}",
        f.user,
        scope,
    )
