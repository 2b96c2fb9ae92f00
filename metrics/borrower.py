"""One customer on one page (客户视图): the borrower file, section by section.

Every function takes an open connection, the customer id and the as-of date (a month end) and
answers with what was known at that date: loans disbursed, snapshots, inspections, signals,
appraisals and collection actions dated on or before it. All SQL text is constant and every
value (the customer, the user's search text, dates) is a bound parameter.

Sections and where their figures are defined:

- identity and the responsible manager and org (METRICS.md §5 "Responsibility": the customer's
  largest loan at its latest month end; DATA_CONTRACT.md customers);
- rating history (README ``customer_ratings``, ``dim_customer_rating``);
- loans with their state at the as-of date and their monthly history (DATA_CONTRACT.md
  loan_snapshots; "on the book" and the classification floors as in METRICS.md preamble and §1);
- obligations with their status at the as-of date and the inspections done (METRICS.md §5,
  read from ``metrics.obligations.obligation_source``);
- warning signals and their handling (DATA_CONTRACT.md warning_signals);
- collateral, revaluations and coverage (METRICS.md §6: latest appraised value / balance of
  the secured loans);
- collection actions (DATA_CONTRACT.md collection_actions).

The whole customer is shown once authorised (``customer_in_scope``): the file is about the
borrower, the unit of credit risk (统一授信), so a user allowed to see a customer sees all of
its loans with each loan's booking org and manager; in the data seen so far a borrower's loans
are booked in one subtree.
Amounts in frames are floats in yuan; dates are dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from daihou.settings import AssetQualityRules, InspectionRules
from etl.contract import CLASSES, CODE_LISTS, NPL_CLASSES
from metrics.obligations import STATUS, obligation_source
from warehouse.aggregates.asset_quality import FLOOR_CLASS, IS_FLOOR_BREACH, ON_BOOK, rule_params

RATINGS: list[str] = [r for r in CODE_LISTS["credit_rating"] if r != "unrated"]  # best first
SEARCH_LIMIT = 20

# -- search and authorisation ----------------------------------------------------------------

# A loan is $manager_id's when its latest snapshot names them (any loan when it is NULL): an
# account manager's own customers are those with a loan they manage now.
_MANAGED_BY = """($manager_id IS NULL OR (
    SELECT arg_max(s.manager_id, s.as_of_date) FROM fct_loan_snapshot AS s
    WHERE s.loan_id = l.loan_id) = $manager_id)"""

# Customers with a loan booked in the subtree of $org_id (and managed by $manager_id) whose id
# equals the text or starts with it (as typed or upper-cased), or whose name contains it; the
# text's % and _ are escaped. The matches are taken first (one scan of the customers), then
# their loans.
_SEARCH = f"""
    WITH hit AS MATERIALIZED (
        SELECT c.customer_id, c.customer_name, c.customer_type, c.region, c.credit_rating,
               CASE WHEN c.customer_id IN ($exact, $exact_upper) THEN 0
                    WHEN c.customer_id LIKE $prefix ESCAPE '\\'
                      OR c.customer_id LIKE $prefix_upper ESCAPE '\\' THEN 1
                    ELSE 2 END AS match_rank
        FROM dim_customer AS c
        WHERE c.customer_id LIKE $prefix ESCAPE '\\'
           OR c.customer_id LIKE $prefix_upper ESCAPE '\\'
           OR c.customer_name LIKE $substring ESCAPE '\\'
    ),
    sub_loan AS (
        SELECT l.customer_id, l.org_id
        FROM dim_loan AS l
        WHERE l.customer_id IN (SELECT customer_id FROM hit)
          AND l.org_id IN (SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = $org_id)
          AND {_MANAGED_BY}
    ),
    found AS (
        SELECT h.customer_id, h.customer_name, h.customer_type, h.region, h.credit_rating,
               h.match_rank, list(DISTINCT sl.org_id) AS org_ids, count(*) AS loan_count
        FROM hit AS h
        JOIN sub_loan AS sl ON sl.customer_id = h.customer_id
        GROUP BY ALL
        ORDER BY h.match_rank, h.customer_id
        LIMIT $limit
    )
    SELECT f.customer_id, f.customer_name, f.customer_type, f.region, f.credit_rating,
           (SELECT string_agg(o.org_name, '、' ORDER BY o.org_name) FROM dim_org AS o
            WHERE list_contains(f.org_ids, o.org_id)) AS org_names,
           f.loan_count
    FROM found AS f
    ORDER BY f.match_rank, f.customer_id
"""

_IN_SCOPE = f"""
    SELECT EXISTS (
        SELECT 1
        FROM dim_loan AS l
        JOIN bridge_org_subtree AS b ON b.org_id = l.org_id AND b.ancestor_org_id = $org_id
        WHERE l.customer_id = $customer_id AND {_MANAGED_BY}
    )
"""

_SEARCH_COLUMNS = [
    "customer_id",
    "customer_name",
    "customer_type",
    "region",
    "credit_rating",
    "org_names",
    "loan_count",
]


def like_escape(text: str) -> str:
    """``text`` with LIKE's wildcards (and the escape character) escaped by a backslash."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_customers(
    con: duckdb.DuckDBPyConnection,
    text: str,
    org_id: str,
    limit: int = SEARCH_LIMIT,
    manager_id: str | None = None,
) -> pd.DataFrame:
    """Customers of the subtree of ``org_id`` (with a loan ``manager_id`` manages now, when
    given) matching ``text``: the exact id first, then ids starting with it, then names
    containing it; at most ``limit``.

    Columns: customer_id, customer_name, customer_type, region, credit_rating, org_names (the
    booking orgs of its loans in the subtree), loan_count (its loans booked there). Blank text
    finds nothing.
    """
    needle = text.strip()
    if not needle:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in _SEARCH_COLUMNS})
    escaped = like_escape(needle)
    params = {
        "exact": needle,
        "exact_upper": needle.upper(),  # ids are often upper case; users type either
        "prefix": escaped + "%",
        "prefix_upper": escaped.upper() + "%",
        "substring": "%" + escaped + "%",
        "org_id": org_id,
        "manager_id": manager_id,
        "limit": limit,
    }
    return con.execute(_SEARCH, params).df()


def customer_in_scope(
    con: duckdb.DuckDBPyConnection, customer_id: str, org_id: str, manager_id: str | None = None
) -> bool:
    """The authorisation test: the customer has a loan booked in the subtree of ``org_id``
    (METRICS.md §6: a customer belongs to the scopes of its loans), one ``manager_id`` manages
    now when given. False when unknown."""
    params = {"customer_id": customer_id, "org_id": org_id, "manager_id": manager_id}
    row = con.execute(_IN_SCOPE, params).fetchone()
    return bool(row and row[0])


# -- identity and rating ---------------------------------------------------------------------

# The customer, its rating in effect at $as_of, and the responsible manager and org: the
# largest loan (balance, contract amount, loan id) at the customer's latest month end on or
# before $as_of, its manager there and booking org; without snapshots by then, the largest
# contract's booking org and no manager (as warehouse.aggregates.obligations assigns them).
_PROFILE = """
    WITH loan AS (SELECT * FROM dim_loan WHERE customer_id = $customer_id),
    snap AS MATERIALIZED (
        SELECT s.as_of_date, s.loan_id, s.manager_id, s.balance, l.contract_amount
        FROM fct_loan_snapshot AS s
        JOIN loan AS l ON l.loan_id = s.loan_id
        WHERE s.loan_id IN (SELECT loan_id FROM loan) AND s.as_of_date <= $as_of
    ),
    by_snapshot AS (
        SELECT loan_id, manager_id, as_of_date FROM snap
        WHERE as_of_date = (SELECT max(as_of_date) FROM snap)
        ORDER BY balance DESC, contract_amount DESC, loan_id DESC
        LIMIT 1
    ),
    by_contract AS (
        SELECT loan_id FROM loan ORDER BY contract_amount DESC, loan_id DESC LIMIT 1
    ),
    basis AS (
        SELECT coalesce(bs.loan_id, bc.loan_id) AS loan_id, bs.manager_id,
               bs.as_of_date AS basis_date
        FROM by_contract AS bc
        LEFT JOIN by_snapshot AS bs ON TRUE
    ),
    rated AS (
        SELECT credit_rating, rating_date FROM dim_customer_rating
        WHERE customer_id = $customer_id AND rating_date <= $as_of
        ORDER BY rating_date DESC
        LIMIT 1
    )
    SELECT
        c.customer_id, c.customer_name, c.customer_type, c.id_number, c.industry_code,
        c.region, c.credit_rating, c.rating_date,
        r.credit_rating AS rating_at_as_of, r.rating_date AS rating_at_as_of_date,
        b.loan_id AS basis_loan_id, b.basis_date, b.manager_id, st.staff_name AS manager_name,
        l.org_id, o.org_name
    FROM dim_customer AS c
    LEFT JOIN basis AS b ON TRUE
    LEFT JOIN rated AS r ON TRUE
    LEFT JOIN dim_loan AS l ON l.loan_id = b.loan_id
    LEFT JOIN dim_org AS o ON o.org_id = l.org_id
    LEFT JOIN dim_staff AS st ON st.staff_id = b.manager_id
    WHERE c.customer_id = $customer_id
"""

# Every rating point up to $as_of, with the direction of the change from the one before
# ($ratings: best first; unrated has no direction).
_RATING_HISTORY = """
    SELECT rating_date, credit_rating, previous_rating,
           CASE WHEN list_position($ratings, credit_rating) IS NULL
                  OR list_position($ratings, previous_rating) IS NULL THEN NULL
                WHEN list_position($ratings, credit_rating)
                     < list_position($ratings, previous_rating) THEN 'up'
                WHEN list_position($ratings, credit_rating)
                     > list_position($ratings, previous_rating) THEN 'down'
           END AS change
    FROM (
        SELECT rating_date, credit_rating,
               lag(credit_rating) OVER (ORDER BY rating_date) AS previous_rating
        FROM dim_customer_rating
        WHERE customer_id = $customer_id AND rating_date <= $as_of
    )
    ORDER BY rating_date DESC
"""


@dataclass(frozen=True)
class Profile:
    """Who the customer is and who is responsible for it at the as-of date."""

    customer_id: str
    customer_name: str  # personal data for individuals
    customer_type: str
    id_number: str  # personal data
    industry_code: str | None
    region: str | None
    credit_rating: str  # in force as last delivered (dim_customer)
    rating_date: date | None
    rating_at_as_of: str | None  # latest rating dated on or before the as-of date
    rating_at_as_of_date: date | None
    basis_loan_id: str | None  # the loan responsibility is taken from
    basis_date: date | None  # its month end; None when taken from the largest contract
    manager_id: str | None  # responsible account manager (None before any snapshot)
    manager_name: str | None
    org_id: str | None  # the basis loan's booking org
    org_name: str | None


def profile(con: duckdb.DuckDBPyConnection, customer_id: str, as_of: date) -> Profile | None:
    """Identity, rating in force and at ``as_of``, responsible manager and org (METRICS.md §5
    "Responsibility"); None for an unknown customer."""
    frame = con.execute(_PROFILE, {"customer_id": customer_id, "as_of": as_of}).df()
    if frame.empty:
        return None
    return profile_from_row(frame.iloc[0].to_dict())


def profile_from_row(row: dict[str, object]) -> Profile:
    """A Profile from a row of its fields (missing values as None, dates as dates)."""
    values = {k: (None if _missing(v) else v) for k, v in row.items()}
    for field in ("rating_date", "rating_at_as_of_date", "basis_date"):
        if isinstance(values[field], pd.Timestamp):
            values[field] = values[field].date()
    return Profile(**values)  # type: ignore[arg-type]


def rating_history(con: duckdb.DuckDBPyConnection, customer_id: str, as_of: date) -> pd.DataFrame:
    """The customer's ratings dated up to ``as_of``, newest first.

    Columns: rating_date, credit_rating, previous_rating, change ('up', 'down' or None).
    """
    params = {"customer_id": customer_id, "as_of": as_of, "ratings": RATINGS}
    return con.execute(_RATING_HISTORY, params).df()


# -- loans -----------------------------------------------------------------------------------

_CUSTOMER_LOAN_IDS = "SELECT loan_id FROM dim_loan WHERE customer_id = $customer_id"

# Each loan disbursed by $as_of with its latest snapshot on or before $as_of.
_LOANS = f"""
    WITH loan AS (
        SELECT * FROM dim_loan
        WHERE customer_id = $customer_id AND disbursement_date <= $as_of
    ),
    latest AS (
        SELECT s.*
        FROM fct_loan_snapshot AS s
        WHERE s.loan_id IN ({_CUSTOMER_LOAN_IDS}) AND s.as_of_date <= $as_of
        QUALIFY row_number() OVER (PARTITION BY s.loan_id ORDER BY s.as_of_date DESC) = 1
    )
    SELECT
        l.loan_id, l.product, l.org_id, o.org_name, l.contract_amount::DOUBLE AS contract_amount,
        l.disbursement_date, l.maturity_date, l.interest_rate::DOUBLE AS interest_rate,
        l.guarantee_type, l.payment_mode, l.purpose,
        s.as_of_date AS snapshot_date, s.balance::DOUBLE AS balance, s.classification,
        s.days_past_due, s.overdue_principal::DOUBLE AS overdue_principal,
        s.interest_arrears::DOUBLE AS interest_arrears, s.status, s.manager_id,
        st.staff_name AS manager_name,
        coalesce(s.as_of_date = $as_of AND {ON_BOOK}, FALSE) AS is_on_book,
        CASE WHEN s.loan_id IS NOT NULL THEN {FLOOR_CLASS} END AS floor_class,
        coalesce(s.as_of_date = $as_of AND {ON_BOOK} AND {IS_FLOOR_BREACH}, FALSE)
            AS is_floor_breach
    FROM loan AS l
    LEFT JOIN latest AS s ON s.loan_id = l.loan_id
    LEFT JOIN dim_org AS o ON o.org_id = l.org_id
    LEFT JOIN dim_staff AS st ON st.staff_id = s.manager_id
    ORDER BY is_on_book DESC, s.balance DESC NULLS LAST, l.disbursement_date DESC, l.loan_id
"""

_HISTORY = f"""
    SELECT
        s.as_of_date, s.loan_id, s.balance::DOUBLE AS balance, s.classification,
        s.days_past_due, s.overdue_principal::DOUBLE AS overdue_principal,
        s.interest_arrears::DOUBLE AS interest_arrears, s.status, s.manager_id,
        {ON_BOOK} AS is_on_book
    FROM fct_loan_snapshot AS s
    WHERE s.loan_id IN ({_CUSTOMER_LOAN_IDS}) AND s.as_of_date <= $as_of
    ORDER BY s.loan_id, s.as_of_date
"""


@dataclass(frozen=True)
class Exposure:
    """The customer's loans on the book at the as-of date (METRICS.md §1, for one customer)."""

    loan_count: int  # on the book: snapshot at the as-of date active with balance > 0
    balance: float
    npl_balance: float  # substandard + doubtful + loss
    overdue_principal: float
    interest_arrears: float
    worst_class: str | None  # None when nothing is on the book
    max_days_past_due: int | None
    floor_breaches: int


def loans(
    con: duckdb.DuckDBPyConnection,
    customer_id: str,
    as_of: date,
    floors: AssetQualityRules,
) -> pd.DataFrame:
    """Every loan disbursed by ``as_of`` with its state at its latest snapshot on or before it.

    Columns: loan_id, product, org_id, org_name, contract_amount, disbursement_date,
    maturity_date, interest_rate (percent), guarantee_type, payment_mode, purpose,
    snapshot_date (None before its first snapshot), balance, classification, days_past_due,
    overdue_principal, interest_arrears, status, manager_id, manager_name, is_on_book (at
    ``as_of`` itself), floor_class and is_floor_breach (METRICS.md §1 floors). On-book loans
    first, largest balance first.
    """
    params = {"customer_id": customer_id, "as_of": as_of, **rule_params(floors)}
    return con.execute(_LOANS, params).df()


def exposure(loan_frame: pd.DataFrame) -> Exposure:
    """Totals of the on-book rows of a ``loans`` frame (small: one customer's loans)."""
    on = loan_frame[loan_frame["is_on_book"]]
    ranks = [CLASSES.index(c) for c in on["classification"]]
    return Exposure(
        loan_count=len(on),
        balance=float(on["balance"].sum()),
        npl_balance=float(on.loc[on["classification"].isin(NPL_CLASSES), "balance"].sum()),
        overdue_principal=float(on["overdue_principal"].sum()),
        interest_arrears=float(on["interest_arrears"].sum()),
        worst_class=CLASSES[max(ranks)] if ranks else None,
        max_days_past_due=int(on["days_past_due"].max()) if len(on) else None,
        floor_breaches=int(on["is_floor_breach"].sum()),
    )


def loan_history(con: duckdb.DuckDBPyConnection, customer_id: str, as_of: date) -> pd.DataFrame:
    """Every month-end snapshot of the customer's loans up to ``as_of``, per loan by date.

    Columns: as_of_date, loan_id, balance, classification, days_past_due, overdue_principal,
    interest_arrears, status, manager_id, is_on_book.
    """
    return con.execute(_HISTORY, {"customer_id": customer_id, "as_of": as_of}).df()


# -- obligations and inspections (METRICS.md §5) ---------------------------------------------


def _customer_obligations_sql(source: str) -> str:
    """The customer's obligations triggered by $as_of, with status at $as_of exactly as
    metrics.obligations gives it (its STATUS), what satisfied them and who was responsible."""
    return f"""
    WITH o AS (
        SELECT * FROM ({source}) AS src
        WHERE src.customer_id = $customer_id AND src.trigger_date <= $as_of
    ),
    ins AS (
        SELECT * FROM fct_inspection
        WHERE customer_id = $customer_id AND inspection_date <= $as_of
    )
    SELECT
        o.obligation_id, o.kind,
        -- what gave rise to it: the loan (first, fund_flow, special overdue), the signal, the
        -- collateral item, or the customer's book (routine)
        CASE WHEN o.kind IN ('first', 'fund_flow') THEN 'disbursement'
             WHEN o.obligation_id LIKE 'special:signal:%' THEN 'signal'
             WHEN o.kind = 'special' THEN 'overdue'
             WHEN o.kind = 'collateral' THEN 'appraisal'
             ELSE 'interval' END AS reason,
        CASE WHEN o.obligation_id LIKE 'special:signal:%' THEN split_part(o.obligation_id, ':', 3)
             WHEN o.kind = 'collateral' THEN split_part(o.obligation_id, ':', 2)
             ELSE o.loan_id END AS reason_ref,
        o.loan_id, o.trigger_date, o.due_date,
        CASE WHEN o.satisfied_date <= $as_of THEN o.satisfied_date END AS satisfied_date,
        CASE WHEN o.satisfied_date <= $as_of THEN o.inspection_id END AS inspection_id,
        i.inspection_type, i.method AS inspection_method,
        CASE WHEN o.satisfied_date <= $as_of THEN o.inspection_staff_id END
            AS inspection_staff_id,
        CASE WHEN o.satisfied_date <= $as_of THEN si.staff_name END AS inspector_name,
        -- a collateral obligation met by a newer appraisal rather than an inspection
        o.kind = 'collateral' AND o.satisfied_date <= $as_of AND o.inspection_id IS NULL
            AS by_appraisal,
        o.manager_id, sm.staff_name AS manager_name, o.org_id, org.org_name,
        {STATUS} AS status,
        CASE WHEN o.satisfied_date <= $as_of AND o.satisfied_date > o.due_date
             THEN o.satisfied_date - o.due_date END AS days_late,
        CASE WHEN (o.satisfied_date IS NULL OR o.satisfied_date > $as_of) AND o.due_date < $as_of
             THEN $as_of - o.due_date END AS days_overdue
    FROM o
    LEFT JOIN ins AS i ON i.inspection_id = o.inspection_id AND o.satisfied_date <= $as_of
    LEFT JOIN dim_staff AS si ON si.staff_id = o.inspection_staff_id
    LEFT JOIN dim_staff AS sm ON sm.staff_id = o.manager_id
    LEFT JOIN dim_org AS org ON org.org_id = o.org_id
    ORDER BY o.due_date, o.obligation_id
    """


def _customer_inspections_sql(source: str) -> str:
    """The customer's inspections by $as_of, the obligations each satisfied by then, and the
    working days to the report (dim_date's working-day ordinal, as metrics.obligations)."""
    return f"""
    WITH ins AS (
        SELECT * FROM fct_inspection
        WHERE customer_id = $customer_id AND inspection_date <= $as_of
    ),
    used AS (
        SELECT src.inspection_id,
               list(src.kind ORDER BY src.due_date, src.obligation_id) AS satisfied_kinds,
               list(src.obligation_id ORDER BY src.due_date, src.obligation_id)
                   AS satisfied_obligations
        FROM ({source}) AS src
        WHERE src.customer_id = $customer_id AND src.inspection_id IS NOT NULL
          AND src.satisfied_date <= $as_of
        GROUP BY src.inspection_id
    ),
    working AS (
        SELECT date_key, sum(is_working_day::INTEGER) OVER (ORDER BY date_key) AS ordinal
        FROM dim_date
    )
    SELECT
        i.inspection_id, i.loan_id, i.inspection_date, i.inspection_type, i.method,
        i.staff_id, s.staff_name AS inspector_name, i.report_date,
        wr.ordinal - wi.ordinal AS report_working_days,
        i.reviewer_id, r.staff_name AS reviewer_name, i.risk_found, i.findings,
        -- METRICS.md §5 report quality: a report within the working days, and a reviewer
        i.report_date IS NOT NULL AND wr.ordinal - wi.ordinal <= $report_due_working_days
            AND i.reviewer_id IS NOT NULL AS is_good_report,
        coalesce(u.satisfied_kinds, []) AS satisfied_kinds,
        coalesce(u.satisfied_obligations, []) AS satisfied_obligations
    FROM ins AS i
    LEFT JOIN used AS u ON u.inspection_id = i.inspection_id
    LEFT JOIN dim_staff AS s ON s.staff_id = i.staff_id
    LEFT JOIN dim_staff AS r ON r.staff_id = i.reviewer_id
    LEFT JOIN working AS wi ON wi.date_key = i.inspection_date
    LEFT JOIN working AS wr ON wr.date_key = i.report_date
    ORDER BY i.inspection_date DESC, i.inspection_id DESC
    """


def customer_obligations(
    con: duckdb.DuckDBPyConnection, customer_id: str, as_of: date, rules: InspectionRules
) -> pd.DataFrame:
    """The customer's inspection obligations triggered by ``as_of``, status at ``as_of``
    (METRICS.md §5), by due date.

    Columns: obligation_id, kind, reason ('disbursement', 'interval', 'overdue', 'signal',
    'appraisal') and reason_ref (the loan, signal or collateral item), loan_id, trigger_date,
    due_date, satisfied_date, inspection_id, inspection_type, inspection_method,
    inspection_staff_id, inspector_name, by_appraisal, manager_id, manager_name, org_id,
    org_name, status (on_time, late, overdue, pending), days_late, days_overdue.
    """
    source, rule_values = obligation_source(con, rules)
    params = {"customer_id": customer_id, "as_of": as_of, **rule_values}
    return con.execute(_customer_obligations_sql(source), params).df()


def customer_inspections(
    con: duckdb.DuckDBPyConnection, customer_id: str, as_of: date, rules: InspectionRules
) -> pd.DataFrame:
    """Every inspection of the customer dated by ``as_of`` (also those that satisfied no
    obligation), newest first.

    Columns: inspection_id, loan_id, inspection_date, inspection_type, method, staff_id,
    inspector_name, report_date, report_working_days, reviewer_id, reviewer_name, risk_found,
    findings, is_good_report (METRICS.md §5 report quality), satisfied_kinds and
    satisfied_obligations (lists, by due date; empty when it satisfied none).
    """
    source, rule_values = obligation_source(con, rules)
    params = {
        "customer_id": customer_id,
        "as_of": as_of,
        "report_due_working_days": rules.report_due_working_days,
        **rule_values,
    }
    return con.execute(_customer_inspections_sql(source), params).df()


# -- warning signals -------------------------------------------------------------------------

# Status at $as_of: resolved when resolved by then (or delivered resolved without a date);
# otherwise as delivered, and a signal resolved only after $as_of was still open then.
_SIGNALS = """
    SELECT
        w.signal_id, w.loan_id, w.signal_date, w.signal_type, w.severity, w.source,
        w.status AS delivered_status,
        CASE WHEN w.resolved_date <= $as_of
                  OR (w.status = 'resolved' AND w.resolved_date IS NULL) THEN 'resolved'
             WHEN w.status = 'handling' THEN 'handling'
             ELSE 'open' END AS status,
        CASE WHEN w.resolved_date <= $as_of THEN w.resolved_date END AS resolved_date,
        CASE WHEN w.resolved_date <= $as_of THEN w.resolved_date ELSE $as_of END
            - w.signal_date AS days_open,
        w.handler_id, st.staff_name AS handler_name
    FROM fct_warning_signal AS w
    LEFT JOIN dim_staff AS st ON st.staff_id = w.handler_id
    WHERE w.customer_id = $customer_id AND w.signal_date <= $as_of
    ORDER BY w.signal_date DESC, w.signal_id DESC
"""


def signals(con: duckdb.DuckDBPyConnection, customer_id: str, as_of: date) -> pd.DataFrame:
    """The customer's warning signals raised by ``as_of``, newest first, with their handling.

    Columns: signal_id, loan_id, signal_date, signal_type, severity, source, delivered_status
    (the latest state delivered), status (at ``as_of``: open, handling, resolved),
    resolved_date (when resolved by ``as_of``), days_open (to resolution, or to ``as_of``
    while unresolved), handler_id, handler_name.
    """
    return con.execute(_SIGNALS, {"customer_id": customer_id, "as_of": as_of}).df()


# -- collateral (METRICS.md §6 coverage) -----------------------------------------------------

_APPRAISALS = f"""
    SELECT a.collateral_id, a.loan_id, a.collateral_type,
           a.appraised_value::DOUBLE AS appraised_value, a.appraisal_date,
           a.appraised_value::DOUBLE - lag(a.appraised_value::DOUBLE) OVER (
               PARTITION BY a.collateral_id ORDER BY a.appraisal_date) AS change
    FROM fct_collateral_appraisal AS a
    WHERE a.loan_id IN ({_CUSTOMER_LOAN_IDS}) AND a.appraisal_date <= $as_of
    ORDER BY a.collateral_id, a.appraisal_date
"""

# One row per item: its latest appraisal by $as_of, the first, and when the next is due; a
# revaluation is owed only while the item's loan is on the book (METRICS.md §5 collateral).
_ITEMS = f"""
    WITH a AS ({_APPRAISALS}),
    on_book AS (
        SELECT s.loan_id, s.balance::DOUBLE AS balance
        FROM fct_loan_snapshot AS s
        WHERE s.loan_id IN ({_CUSTOMER_LOAN_IDS}) AND s.as_of_date = $as_of AND {ON_BOOK}
    ),
    item AS (
        SELECT
            collateral_id,
            arg_max(loan_id, appraisal_date) AS loan_id,
            arg_max(collateral_type, appraisal_date) AS collateral_type,
            arg_max(appraised_value, appraisal_date) AS appraised_value,
            max(appraisal_date) AS appraisal_date,
            arg_min(appraised_value, appraisal_date) AS first_value,
            min(appraisal_date) AS first_appraisal_date,
            count(*) AS appraisal_count,
            max(appraisal_date) + $revaluation_days::INTEGER AS revaluation_due_date
        FROM a
        GROUP BY collateral_id
    )
    SELECT i.*, b.loan_id IS NOT NULL AS is_on_book, b.balance AS loan_balance,
           b.loan_id IS NOT NULL AND i.revaluation_due_date < $as_of AS is_stale
    FROM item AS i
    LEFT JOIN on_book AS b ON b.loan_id = i.loan_id
    ORDER BY i.loan_id, i.collateral_id
"""


@dataclass(frozen=True)
class Collateral:
    """The customer's collateral at the as-of date (METRICS.md §6 coverage)."""

    items: pd.DataFrame  # one row per item, latest appraisal by the as-of date (_ITEMS)
    appraisals: pd.DataFrame  # every appraisal by the as-of date, with change from the last
    coverage: pd.DataFrame  # per secured loan on the book: value / balance
    appraised_value: float  # Σ latest value of the items of secured loans on the book
    secured_balance: float  # Σ balance of those loans
    coverage_ratio: float | None  # appraised_value / secured_balance; None when nothing secured


def collateral(
    con: duckdb.DuckDBPyConnection, customer_id: str, as_of: date, rules: InspectionRules
) -> Collateral:
    """Collateral items, their revaluations and coverage at ``as_of``.

    items: collateral_id, loan_id, collateral_type, appraised_value (latest), appraisal_date,
    first_value, first_appraisal_date, appraisal_count, revaluation_due_date, is_on_book and
    loan_balance (the item's loan at ``as_of``), is_stale (its loan on the book and the
    revaluation interval, ``rules.collateral_revaluation_days``, passed before ``as_of``).
    appraisals: collateral_id, loan_id, collateral_type, appraised_value, appraisal_date,
    change (from the item's previous appraisal). coverage: loan_id, balance, item_count,
    appraised_value, coverage, oldest_appraisal_date, has_stale; lowest coverage first.
    """
    params = {
        "customer_id": customer_id,
        "as_of": as_of,
        "revaluation_days": rules.collateral_revaluation_days,
    }
    items = con.execute(_ITEMS, params).df()
    appraisals = con.execute(_APPRAISALS, {"customer_id": customer_id, "as_of": as_of}).df()
    coverage = secured_coverage(items)
    value = float(coverage["appraised_value"].sum())
    balance = float(coverage["balance"].sum())
    return Collateral(
        items=items,
        appraisals=appraisals,
        coverage=coverage,
        appraised_value=value,
        secured_balance=balance,
        coverage_ratio=value / balance if balance else None,
    )


def secured_coverage(items: pd.DataFrame) -> pd.DataFrame:
    """Per loan on the book with collateral: Σ latest value of its items / its balance
    (METRICS.md §6), lowest first; from the items frame of ``collateral`` (one customer's)."""
    on = items[items["is_on_book"]]
    coverage = (
        on.groupby("loan_id", as_index=False)
        .agg(
            balance=("loan_balance", "first"),
            item_count=("collateral_id", "size"),
            appraised_value=("appraised_value", "sum"),
            oldest_appraisal_date=("appraisal_date", "min"),
            has_stale=("is_stale", "any"),
        )
        .astype({"balance": "float64", "appraised_value": "float64", "item_count": "int64"})
    )
    coverage.insert(4, "coverage", coverage["appraised_value"] / coverage["balance"])
    return coverage.sort_values(["coverage", "loan_id"], ignore_index=True)


# -- collections -----------------------------------------------------------------------------

_COLLECTIONS = f"""
    SELECT a.action_id, a.loan_id, a.action_date, a.channel, a.outcome,
           a.amount_recovered::DOUBLE AS amount_recovered, a.staff_id,
           st.staff_name AS staff_name
    FROM fct_collection_action AS a
    LEFT JOIN dim_staff AS st ON st.staff_id = a.staff_id
    WHERE a.loan_id IN ({_CUSTOMER_LOAN_IDS}) AND a.action_date <= $as_of
    ORDER BY a.action_date DESC, a.action_id DESC
"""


def collections(con: duckdb.DuckDBPyConnection, customer_id: str, as_of: date) -> pd.DataFrame:
    """Collection actions on the customer's loans dated by ``as_of``, newest first.

    Columns: action_id, loan_id, action_date, channel, outcome, amount_recovered, staff_id,
    staff_name.
    """
    return con.execute(_COLLECTIONS, {"customer_id": customer_id, "as_of": as_of}).df()


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))
