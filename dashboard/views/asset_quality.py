"""资产质量: the chosen org's asset quality in depth (METRICS.md §1–4).

KPIs, NPL ratio and class structure by sub-unit (drilling down as on the overview), the monthly
trend, five-class migration between two month ends, bucket transitions and roll rates, vintage
curves, and the classification-floor breach list with its downloads. The loan filters at the top
narrow every section. Widgets and charts only: figures come from dashboard.data.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import charts, data, downloads, drill, exports, kpis, session, tables
from dashboard import format as fmt
from dashboard.i18n import code_label, t
from dashboard.kpis import Kpi
from etl.contract import CODE_LISTS

TREND_MONTHS = 36
HALF_WIDTH_MONTHS = 6  # month labels that fit level under a half-width chart
VINTAGE_COHORTS = 12  # cohorts drawn by default, so that the legend stays readable
CHART_CONFIG = {"displaylogo": False}
# Scope filter -> its label; the codes are the contract's code lists of the same name.
FILTERS = {
    "product": "filter_product",
    "customer_type": "filter_customer_type",
    "industry_code": "filter_industry",
    "guarantee_type": "filter_guarantee",
}
MEASURES = ("opening_balance", "closing_balance", "loan_count")
ALL = ""  # the "all" filter option (None would read as "nothing selected" to Streamlit)


def show_cards(cards: list[Kpi], per_row: int) -> None:
    for first in range(0, len(cards), per_row):
        row = cards[first : first + per_row]
        for column, card in zip(st.columns(per_row), row, strict=False):
            column.metric(
                card.label,
                card.value,
                card.change,
                delta_color=card.colour,
                help=card.help,
                border=True,
            )


def iso(day: date) -> str:
    return day.isoformat()


f = session.filters()
orgs = data.visible_orgs(f.user).set_index("org_id")
org = orgs.loc[f.org_id]
st.title(t("aq_title", org=org.org_name))
if f.as_of is None:
    st.info(t("no_months"))
    st.stop()

chosen: dict[str, str | None] = {}
for column, (field, label) in zip(st.columns(len(FILTERS)), FILTERS.items(), strict=True):
    code = column.selectbox(
        t(label),
        [ALL, *CODE_LISTS[field]],
        format_func=lambda code, field=field: (
            t("filter_all") if code == ALL else code_label(field, code, f.lang)
        ),
        # per language: the browser keeps showing a label of the language it was chosen in
        key=f"aq_{field}_{f.lang}",
    )
    chosen[field] = None if code == ALL else code
filter_text = t("list_sep").join(
    t("filter_item", name=t(FILTERS[field]), value=code_label(field, code, f.lang))
    for field, code in chosen.items()
    if code is not None
)
scope = data.scope_for(f.user, f.org_id, **chosen)
st.caption(
    t("aq_caption", path=org.path_name, as_of=iso(f.as_of))
    + (" · " + t("aq_filters_active", filters=filter_text) if filter_text else "")
)

# -- §1 at the month end -------------------------------------------------------------------
now = data.asset_quality_at(f.user, scope, f.as_of)
previous = data.previous_month_end(f.as_of)
before = data.asset_quality_at(f.user, scope, previous) if previous else None
show_cards(kpis.quality_cards(now, before, f.lang), per_row=3)
if previous is not None:
    st.caption(t("delta_caption", previous=iso(previous)))
if not now.loan_count:
    st.info(t("aq_nothing_on_book", as_of=iso(f.as_of)))

st.subheader(t("aq_by_org"))
drill.up_button(f, orgs)
by_org = data.asset_quality_by_org(f.user, scope, f.as_of)
if by_org["is_own_book"].all():  # nothing below this org to compare
    st.info(t("no_children", org=org.org_name))
else:
    st.caption(t("aq_by_org_caption", as_of=iso(f.as_of)))
    drill.org_table(
        tables.quality_by_org(by_org, f.lang), by_org["org_id"].tolist(), f"aq_units_{f.org_id}"
    )
    st.plotly_chart(
        charts.class_share_by_org(by_org, tables.org_unit_labels(by_org, f.lang), f.lang),
        config=CHART_CONFIG,
    )

st.subheader(t("aq_trend"))
trend = data.asset_quality_trend(f.user, scope, *data.trend_window(f.as_of, TREND_MONTHS))
st.caption(
    t("aq_trend_caption", start=trend["as_of_date"].min().date().isoformat(), end=iso(f.as_of))
)
left, right = st.columns(2)
left.plotly_chart(charts.class_trend(trend, f.lang, HALF_WIDTH_MONTHS), config=CHART_CONFIG)
right.plotly_chart(charts.ratio_trend(trend, f.lang, HALF_WIDTH_MONTHS), config=CHART_CONFIG)

# -- §2 migration between two month ends -----------------------------------------------------
st.subheader(t("aq_migration"))
proposed = data.default_opening(f.as_of)
if proposed is None:
    st.info(t("aq_no_migration", as_of=iso(f.as_of)))
else:
    months = [m for m in data.month_ends() if m <= f.as_of]
    pick_opening, pick_closing, pick_measure = st.columns([1, 1, 2], vertical_alignment="bottom")
    opening = pick_opening.selectbox(
        t("aq_opening"),
        months[:-1],
        index=months.index(proposed),
        format_func=iso,
        key=f"aq_opening_{f.as_of}",  # back to the default when the data date changes
        help=t("aq_opening_help"),
    )
    closing = pick_closing.selectbox(
        t("aq_closing"),
        months[1:],
        index=len(months) - 2,
        format_func=iso,
        key=f"aq_closing_{f.as_of}",
        help=t("aq_closing_help"),
    )
    measure = pick_measure.segmented_control(
        t("aq_matrix_measure"),
        MEASURES,
        default=MEASURES[0],
        required=True,
        format_func=lambda m: t(f"measure_{m}"),
        key="aq_measure",
    )
    year_end = data.previous_year_end(f.as_of)
    if opening == proposed != year_end:
        st.caption(t("aq_opening_missing", year_end=iso(year_end)))
    if closing <= opening:
        st.warning(t("aq_closing_not_after"))
    else:
        matrix = data.migration_matrix(f.user, scope, opening, closing)
        rates = data.migration_rates(f.user, scope, opening, closing)
        st.caption(
            t(
                "aq_migration_caption",
                opening=iso(opening),
                closing=iso(closing),
                measure=t(f"measure_{measure}").lower(),  # mid-sentence
                unit=fmt.table_unit(f.lang).label,
            )
        )
        heatmap, cards = st.columns([3, 1])
        heatmap.plotly_chart(
            charts.migration_heatmap(matrix, measure, f.lang, iso(opening), iso(closing)),
            config=CHART_CONFIG,
        )
        with cards:
            for card in kpis.migration_cards(rates, f.lang):
                st.metric(card.label, card.value, help=card.help, border=True)
        st.caption(t("mig_rates_caption", opening=iso(opening), closing=iso(closing)))
        tables.show(tables.migration_rates(rates, f.lang), height="content")

# -- §3 delinquency buckets and roll rates ---------------------------------------------------
st.subheader(t("aq_roll"))
rules = data.asset_quality_rules()
buckets = rules.bucket_labels
flows = data.flow_rates(f.user, scope, f.as_of)
transitions = data.transition_matrix(f.user, scope, f.as_of)
if transitions.empty:
    st.info(t("aq_no_previous_month", as_of=iso(f.as_of)))
else:
    st.caption(
        t(
            "aq_roll_caption",
            previous=iso(flows.previous_month),
            as_of=iso(f.as_of),
            buckets=fmt.bucket_ranges(buckets, rules.bucket_upper_edges, f.lang),
        )
    )
    st.markdown(f"**{t('aq_flow_cards_title')}**")
    show_cards(kpis.flow_cards(flows, f.lang), per_row=3)
    basis = st.segmented_control(
        t("aq_transition_basis"),
        ("count", "balance"),
        default="count",
        required=True,
        format_func=lambda b: t(f"basis_{b}"),
        key="aq_transition_basis",
    )
    st.markdown(f"**{t('aq_transition_title')}**")
    st.caption(
        t(
            "aq_transition_caption",
            previous=iso(flows.previous_month),
            as_of=iso(f.as_of),
            basis=t(f"basis_{basis}").lower(),  # mid-sentence
        )
    )
    st.plotly_chart(
        charts.transition_heatmap(
            transitions, basis, buckets, f.lang, iso(flows.previous_month), iso(f.as_of)
        ),
        config=CHART_CONFIG,
    )

st.markdown(f"**{t('aq_flow_trend_title')}**")
flow_trend = data.flow_rate_trend(f.user, scope, *data.trend_window(f.as_of, TREND_MONTHS))
if flow_trend.drop(columns="month_end").isna().all(axis=None):
    st.info(t("aq_no_flow_trend"))
else:
    st.caption(t("aq_flow_trend_caption"))
    left, right = st.columns(2)
    left.plotly_chart(
        charts.roll_rate_trend(flow_trend, buckets, f.lang, HALF_WIDTH_MONTHS), config=CHART_CONFIG
    )
    right.plotly_chart(
        charts.entry_rate_trend(flow_trend, buckets, f.lang, HALF_WIDTH_MONTHS),
        config=CHART_CONFIG,
    )

# -- §4 vintage ------------------------------------------------------------------------------
st.subheader(t("aq_vintage"))
pick_threshold, pick_basis, pick_count = st.columns([2, 4, 2], vertical_alignment="bottom")
threshold = pick_threshold.segmented_control(
    t("aq_vintage_threshold"),
    rules.vintage_thresholds,
    default=rules.vintage_thresholds[0],
    required=True,
    format_func=lambda days: t("threshold_label", days=days),
    key="aq_vintage_threshold",
)
vintage_basis = pick_basis.segmented_control(
    t("aq_vintage_basis"),
    ("current_amount", "ever_count"),
    default="current_amount",
    required=True,
    format_func=lambda b: t(f"basis_{b}"),
    key="aq_vintage_basis",
)
curves = data.vintage_curves(f.user, scope, threshold, vintage_basis, f.as_of)
cohorts = sorted(curves["cohort_month"].unique())
if not cohorts:
    st.info(t("aq_no_vintage", first=iso(data.month_ends()[0]), as_of=iso(f.as_of)))
else:
    shown = (
        pick_count.slider(
            t("aq_vintage_cohorts"),
            1,
            len(cohorts),
            min(VINTAGE_COHORTS, len(cohorts)),
            key=f"aq_vintage_cohorts_{len(cohorts)}",
        )
        if len(cohorts) > 1
        else 1
    )
    st.caption(
        t(
            f"aq_vintage_caption_{vintage_basis}",
            days=threshold,
            shown=shown,
            total=len(cohorts),
            as_of=iso(f.as_of),
        )
    )
    latest = curves[curves["cohort_month"].isin(cohorts[-shown:])]
    st.plotly_chart(charts.vintage_curves(latest, vintage_basis, f.lang), config=CHART_CONFIG)

# -- §1 classification floor breaches --------------------------------------------------------
st.subheader(t("aq_breaches"))
breaches = data.floor_breaches(f.user, scope, f.as_of)
if breaches.empty:
    st.info(t("aq_no_breaches", as_of=iso(f.as_of)))
else:
    st.caption(
        t(
            "aq_breaches_caption",
            as_of=iso(f.as_of),
            floors=fmt.floor_rules(rules.classification_floors, f.lang),
            count=fmt.count(len(breaches)),
            balance=fmt.money(breaches["balance"].sum(), f.lang),
        )
    )
    tables.show(tables.floor_breaches(breaches, f.as_of, f.lang))
    export = exports.floor_breaches(breaches, f.lang)
    title = t(
        "export_title",
        path=org.path_name,
        as_of=iso(f.as_of),
        filters=t("export_filters", filters=filter_text) if filter_text else "",
    )
    name = f"floor_breaches_{f.org_id}_{f.as_of:%Y%m%d}"
    downloads.buttons(lambda: export, title, t("aq_breaches"), name, f.user, scope)
