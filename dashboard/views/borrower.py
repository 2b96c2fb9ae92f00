"""客户视图: one customer on one page.

The customer comes from the search box (id or name, within the sidebar's org) or from the URL
(``?customer=…``, as other pages link here with dashboard.links.borrower_url). It must have a
loan booked in the user's subtree, else the page refuses it. Everything is as known at the
sidebar's data date: identity and responsibility, rating history, loans and their monthly
history, obligations against inspections, warning signals, collateral with coverage, and
collection actions. Widgets and charts only: the figures come from dashboard.data.borrower.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import borrower_charts, data, links, session, tables
from dashboard import borrower_tables as bt
from dashboard import format as fmt
from dashboard.data import borrower as bd
from dashboard.i18n import code_label, t
from metrics.borrower import SEARCH_LIMIT, Profile

CHART_CONFIG = {"displaylogo": False}
SEARCH_KEY = "bw_search"
OPENED_KEY = "bw_opened"  # the customer whose opening was last audited in this session


def iso(day: object) -> str:
    """A date (or Timestamp) as YYYY-MM-DD; "—" when missing."""
    if day is None or (not isinstance(day, date) and pd.isna(day)):
        return fmt.MISSING
    return pd.Timestamp(day).date().isoformat()


def pick_customer(org_name: str) -> str | None:
    """The customer chosen in the search box, else the one in the URL (None: neither)."""
    requested = st.query_params.get(links.CUSTOMER_PARAM)
    left, right = st.columns([2, 3])
    typed = left.text_input(
        t("bw_search"),
        key=SEARCH_KEY,
        placeholder=t("bw_search_placeholder"),
        help=t("bw_search_help", org=org_name),
    ).strip()
    if not typed:
        return requested
    found = bd.search(f.user, f.org_id, typed)
    if found.empty:
        right.info(t("bw_no_match", text=typed, org=org_name))
        return requested
    ids = found["customer_id"].tolist()
    labels = {
        row.customer_id: " · ".join(
            [
                row.customer_id,
                row.customer_name,
                code_label("customer_type", row.customer_type, f.lang),
                row.org_names,
            ]
        )
        for row in found.itertuples(index=False)
    }
    exact = len(ids) == 1 or ids[0].upper() == typed.upper()
    picked = right.selectbox(
        t("bw_pick", n=len(ids)),
        ids,
        index=0 if exact else None,
        format_func=labels.__getitem__,
        placeholder=t("bw_pick_placeholder"),
        key=f"bw_pick_{typed}",
    )
    if len(ids) == SEARCH_LIMIT:
        right.caption(t("bw_pick_more", n=SEARCH_LIMIT))
    if picked is None:
        return requested
    st.query_params[links.CUSTOMER_PARAM] = picked
    return picked


def show_cards(cards: list[tuple[str, str, str | None]], per_row: int) -> None:
    for first in range(0, len(cards), per_row):
        row = cards[first : first + per_row]
        for column, (label, value, help_text) in zip(st.columns(per_row), row, strict=False):
            column.metric(label, value, help=help_text, border=True)


def identity_card(p: Profile) -> None:
    """The customer's identity and who is responsible for it, as label/value pairs."""
    rating = t("bw_rating_value", rating=code_label("credit_rating", p.credit_rating, f.lang),
               date=iso(p.rating_date))  # fmt: skip
    if p.rating_at_as_of and (p.rating_at_as_of, p.rating_at_as_of_date) != (
        p.credit_rating,
        p.rating_date,
    ):
        rating += t(
            "bw_rating_then",
            rating=code_label("credit_rating", p.rating_at_as_of, f.lang),
            date=iso(p.rating_at_as_of_date),
        )
    fields = [
        (t("bw_customer_id"), p.customer_id),
        (t("bw_customer_type"), code_label("customer_type", p.customer_type, f.lang)),
        (t("bw_id_number"), p.id_number),
        (t("bw_industry"), code_label("industry_code", p.industry_code, f.lang) or fmt.MISSING),
        (t("bw_region"), p.region or fmt.MISSING),
        (t("bw_rating"), rating),
        (t("bw_manager"), p.manager_name or t("bw_no_manager")),
        (t("bw_org"), p.org_name or fmt.MISSING),
    ]
    with st.container(border=True):
        st.markdown(f"**{t('bw_identity')}**")
        for first in range(0, len(fields), 2):
            for column, (label, value) in zip(
                st.columns(2), fields[first : first + 2], strict=False
            ):
                column.markdown(f":gray[{label}]　{value}")
        if p.basis_loan_id:
            st.caption(
                t("bw_responsibility_help", loan=p.basis_loan_id, date=iso(p.basis_date or f.as_of))
            )


f = session.filters()
st.title(t("page_borrower"))
if f.as_of is None:
    st.info(t("no_months"))
    st.stop()
as_of: date = f.as_of
orgs = data.visible_orgs(f.user).set_index("org_id")
customer_id = pick_customer(orgs.at[f.org_id, "org_name"])
if customer_id is None:
    st.info(t("bw_start"), icon=":material/person_search:")
    st.stop()
try:
    if st.session_state.get(OPENED_KEY) != customer_id:  # audited once per opening, not per rerun
        bd.open_file(f.user, customer_id)
        st.session_state[OPENED_KEY] = customer_id
    else:
        bd.authorise_customer(f.user, customer_id)
except data.ScopeError:
    st.error(
        t("bw_refused", customer=customer_id, org=orgs.at[f.user.org_id, "org_name"]),
        icon=":material/block:",
    )
    st.stop()

profile = bd.profile(f.user, customer_id, as_of)
loans = bd.loans(f.user, customer_id, as_of)
exposure = bd.exposure(f.user, customer_id, as_of)
owed = bd.obligations(f.user, customer_id, as_of)
done = bd.inspections(f.user, customer_id, as_of)
signals = bd.signals(f.user, customer_id, as_of)
collateral = bd.collateral(f.user, customer_id, as_of)
actions = bd.collections(f.user, customer_id, as_of)

st.header(profile.customer_name, anchor=False)
st.caption(t("bw_caption", customer=customer_id, as_of=iso(as_of)))

# -- identity, rating history, headline figures ---------------------------------------------
left, right = st.columns([3, 2])
with left:
    identity_card(profile)
with right:
    ratings = bd.rating_history(f.user, customer_id, as_of)
    st.markdown(f"**{t('bw_ratings')}**")
    if ratings.empty:
        st.caption(t("bw_no_ratings"))
    else:
        bt.show(bt.rating_history(ratings, f.lang), height=min(35 * (len(ratings) + 1) + 3, 250))

unresolved = int((signals["status"] != "resolved").sum()) if len(signals) else 0
overdue_now = int((owed["status"] == "overdue").sum()) if len(owed) else 0
show_cards(
    [
        (t("bw_kpi_loans"), fmt.count(exposure.loan_count), t("bw_kpi_loans_help")),
        (t("bw_kpi_balance"), fmt.money(exposure.balance, f.lang), None),
        (t("bw_kpi_npl"), fmt.money(exposure.npl_balance, f.lang), None),
        (
            t("bw_kpi_worst"),
            code_label("classification", exposure.worst_class, f.lang) or fmt.MISSING,
            None,
        ),
        (t("bw_kpi_dpd"), fmt.count(exposure.max_days_past_due), None),
        (t("bw_kpi_coverage"), fmt.percent(collateral.coverage_ratio), t("bw_kpi_coverage_help")),
        (t("bw_kpi_signals"), fmt.count(unresolved), None),
        (t("bw_kpi_overdue"), fmt.count(overdue_now), t("bw_kpi_overdue_help")),
    ],
    per_row=4,
)

# -- loans and their history ---------------------------------------------------------------
st.subheader(t("bw_loans"), anchor=False)
if loans.empty:
    st.info(t("bw_no_loans"))
else:
    st.caption(t("bw_loans_caption"))
    bt.show(bt.loans(loans, f.lang))

    st.subheader(t("bw_history"), anchor=False)
    history = bd.loan_history(f.user, customer_id, as_of)
    worst = history.groupby("loan_id")["days_past_due"].max()
    # the loan with the worst history first, then the table's order
    order = sorted(loans["loan_id"], key=lambda lid: -int(worst.get(lid, 0)))
    status_of = loans.set_index("loan_id")

    def loan_label(lid: str) -> str:
        row = status_of.loc[lid]
        status = (
            code_label("loan_status", row.status, f.lang) if isinstance(row.status, str) else ""
        )
        label = t(
            "bw_history_label",
            loan=lid,
            product=code_label("product", row["product"], f.lang),
            status=status or fmt.MISSING,
        )
        ever = int(worst.get(lid, 0))
        return label + (" · " + t("bw_history_ever_overdue", n=ever) if ever else "")

    chosen = st.selectbox(
        t("bw_history_pick"), order, format_func=loan_label, key=f"bw_loan_{customer_id}"
    )
    one = history[history["loan_id"] == chosen]
    if one.empty:
        st.info(t("bw_no_history"))
    else:
        st.caption(t("bw_history_caption"))
        st.plotly_chart(borrower_charts.loan_history(one, f.lang), config=CHART_CONFIG)

# -- obligations against inspections -------------------------------------------------------
st.subheader(t("bw_obligations"), anchor=False)
if owed.empty and done.empty:
    st.info(t("bw_no_obligations"))
else:
    st.caption(t("bw_obligations_caption"))
    st.plotly_chart(
        borrower_charts.obligation_timeline(owed, done, as_of, f.lang), config=CHART_CONFIG
    )
    if not owed.empty:
        st.markdown(f"**{t('bw_obligation_table')}**")
        bt.show(bt.obligations(owed, f.lang))
    st.markdown(f"**{t('bw_inspections')}**")
    if done.empty:
        st.caption(t("bw_no_inspections"))
    else:
        st.caption(t("bw_inspections_caption", days=bd.inspection_rules().report_due_working_days))
        bt.show(bt.inspections(done, f.lang))

# -- warning signals -------------------------------------------------------------------------
st.subheader(t("bw_signals"), anchor=False)
if signals.empty:
    st.info(t("bw_no_signals"))
else:
    st.caption(t("bw_signals_caption"))
    bt.show(bt.signals(signals, f.lang))

# -- collateral and coverage -----------------------------------------------------------------
st.subheader(t("bw_collateral"), anchor=False)
if collateral.items.empty:
    st.info(t("bw_no_collateral"))
else:
    st.caption(t("bw_collateral_caption", days=bd.inspection_rules().collateral_revaluation_days))
    st.markdown(f"**{t('bw_coverage_table')}**")
    if collateral.coverage.empty:
        st.caption(t("bw_no_coverage"))
    else:
        show_cards(
            [
                (t("bw_kpi_appraised"), fmt.money(collateral.appraised_value, f.lang), None),
                (t("bw_kpi_secured"), fmt.money(collateral.secured_balance, f.lang), None),
                (
                    t("bw_kpi_coverage"),
                    fmt.percent(collateral.coverage_ratio),
                    t("bw_kpi_coverage_help"),
                ),
            ],
            per_row=3,
        )
        bt.show(bt.coverage(collateral.coverage, f.lang))
    st.markdown(f"**{t('bw_items_table')}**")
    bt.show(bt.collateral_items(collateral.items, f.lang))
    with st.expander(t("bw_appraisal_history", n=len(collateral.appraisals))):
        tables.show(bt.appraisals(collateral.appraisals, f.lang))

# -- collections -------------------------------------------------------------------------------
st.subheader(t("bw_collections"), anchor=False)
if actions.empty:
    st.info(t("bw_no_collections"))
else:
    st.caption(t("bw_collections_caption"))
    show_cards(
        [
            (t("bw_kpi_actions"), fmt.count(len(actions)), None),
            (t("bw_kpi_recovered"), fmt.money(actions["amount_recovered"].sum(), f.lang), None),
        ],
        per_row=4,
    )
    tables.show(bt.collections(actions, f.lang))
