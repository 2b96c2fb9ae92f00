"""The score components of every period, per account manager and booking org, precomputed at
load (METRICS.md §7; the readings are in ``metrics.scores``).

Migration, recovery and warning handling join two month ends of every loan, split handed-over
loans by month and attribute signals to the customer's largest loan: a second or more per
period over ten million loans, and the HR page asks for a period and the one before it, per
manager and per org. This module holds each component's per-item SQL (``item_sql``: one row per
loan or signal with its holder, booking org, numerator and denominator), which
``metrics.scores`` runs for a scope, and ``build`` stores the items' sums per (manager, booking
org) for the whole bank, for every period a page offers: each month, quarter and year whose
last month end has snapshots.

A scope's figure is the sum of the stored rows whose booking org lies in its subtree: every
item belongs to one booking org and no item's figure depends on the scope, so the sums are
those of the per-item SQL (amounts are exact DECIMAL; the shares of handed-over loans integer
fractions of ``share_scale(months)``). Warning handling depends on ``signal_resolution_days``,
recorded with each period in ``agg_score_period``; a period missing there, or recorded with
another value, is computed from the facts by ``metrics.scores``.

A load redoes the periods ending on or after the earliest month end its delivery changed
(``etl.changes``: snapshots, new loans, signals, collection actions); a period reads nothing
dated after its end.
"""

from __future__ import annotations

from datetime import date
from math import lcm

import duckdb

from daihou.settings import ScoreRules, Settings
from etl.contract import NPL_CLASSES
from warehouse.connection import has_table

STORED: tuple[str, ...] = ("migration", "recovery", "warning_handling")
SHARED: tuple[str, ...] = ("migration", "recovery")  # split by handover shares (share_scale)

_NPL = "(" + ", ".join(f"'{c}'" for c in NPL_CLASSES) + ")"

# A row ``a`` of agg_loan_month booked in the scope's org subtree.
_IN_SUBTREE = (
    "a.org_id IN (SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = $scope_org_id)"
)
# Narrowing to the loans a manager ($manager_id) held at some month end of the period (for one
# manager's items: a loan they held at the start, or one a snapshot in the period names them on).
_HELD_IN_PERIOD = """(
    a.manager_id = $manager_id
    OR a.loan_id IN (SELECT loan_id FROM fct_loan_snapshot
                     WHERE as_of_date > $start AND as_of_date <= $end
                       AND manager_id = $manager_id))"""


def share_scale(months: int) -> int:
    """The denominator of the handover shares of a period of ``months`` month ends: a share
    k/months is held as the integer k × scale / months, so split amounts add up exactly."""
    return lcm(*range(1, months + 1))


def _asset_quality(mine: bool) -> str:
    narrow = "AND a.manager_id = $manager_id" if mine else ""
    return f"""
    SELECT a.manager_id, a.org_id, a.loan_id AS item,
           CASE WHEN a.classification IN {_NPL} THEN a.balance ELSE 0 END AS numerator,
           a.balance AS denominator, 1 AS loans
    FROM agg_loan_month AS a
    WHERE a.as_of_date = $end AND {_IN_SUBTREE} {narrow}
    """


# The weights (Σ = $scale per loan) of the basis loans handed over in the period: those with a
# snapshot in the period naming another manager than at the start; each manager's share is that
# of the period's month ends at which a snapshot names them. Every other basis loan stays whole
# with its manager at the start (join with LEFT JOIN and _HOLDER / _WEIGHT).
_SHARE = """
    moved AS (
        SELECT DISTINCT s.loan_id
        FROM fct_loan_snapshot AS s
        JOIN basis AS b ON b.loan_id = s.loan_id
        WHERE s.as_of_date > $start AND s.as_of_date <= $end
          AND s.manager_id <> b.start_manager_id
    ),
    share AS (
        SELECT loan_id, manager_id,
               months * ($scale // sum(months) OVER (PARTITION BY loan_id)) AS weight
        FROM (
            SELECT s.loan_id, s.manager_id, count(*) AS months
            FROM fct_loan_snapshot AS s
            WHERE s.as_of_date > $start AND s.as_of_date <= $end
              AND s.loan_id IN (SELECT loan_id FROM moved)
            GROUP BY s.loan_id, s.manager_id
        )
    )
"""
_HOLDER = "coalesce(sh.manager_id, b.start_manager_id)"
_WEIGHT = "coalesce(sh.weight, $scale)"


def _migration(mine: bool) -> str:
    """§2 performing-loan migration: normal and special-mention cohort loans at the start that
    are on the book at the end (the others add 0 to both sides)."""
    narrow = f"AND {_HELD_IN_PERIOD}" if mine else ""
    return f"""
    WITH cohort AS (
        SELECT a.loan_id, a.org_id, a.manager_id AS start_manager_id
        FROM agg_loan_month AS a
        WHERE a.as_of_date = $start AND a.classification IN ('normal', 'special_mention')
          AND {_IN_SUBTREE} {narrow}
    ),
    basis AS (
        SELECT c.*, a.balance,
               CASE WHEN a.classification IN {_NPL} THEN a.balance ELSE 0 END AS npl_balance
        FROM cohort AS c
        JOIN agg_loan_month AS a ON a.loan_id = c.loan_id AND a.as_of_date = $end
    ),
    {_SHARE}
    SELECT {_HOLDER} AS manager_id, b.org_id, b.loan_id AS item,
           b.npl_balance * {_WEIGHT} AS numerator,
           b.balance * {_WEIGHT} AS denominator, 0 AS loans
    FROM basis AS b
    LEFT JOIN share AS sh ON sh.loan_id = b.loan_id
    """


def _recovery(mine: bool) -> str:
    narrow = f"AND {_HELD_IN_PERIOD}" if mine else ""
    return f"""
    WITH basis AS (
        SELECT a.loan_id, a.org_id, a.manager_id AS start_manager_id,
               a.balance AS start_balance
        FROM agg_loan_month AS a
        WHERE a.as_of_date = $start
          AND (a.classification IN {_NPL} OR a.days_past_due > 90)
          AND {_IN_SUBTREE} {narrow}
    ),
    recorded AS (
        SELECT c.loan_id, sum(c.amount_recovered) AS amount
        FROM fct_collection_action AS c
        WHERE c.action_date > $start AND c.action_date <= $end
          AND c.loan_id IN (SELECT loan_id FROM basis)
        GROUP BY c.loan_id
    ),
    -- on the book at the end?, and the balance at the last month end on the book in the period
    later AS (
        SELECT a.loan_id, max(a.as_of_date) = $end AS on_book_at_end,
               arg_max(a.balance, a.as_of_date) AS last_balance
        FROM agg_loan_month AS a
        WHERE a.as_of_date > $start AND a.as_of_date <= $end
          AND a.loan_id IN (SELECT loan_id FROM basis)
        GROUP BY a.loan_id
    ),
    loan AS (
        SELECT b.*,
            CASE WHEN coalesce(r.amount, 0) > 0 THEN r.amount
                 ELSE greatest(b.start_balance - CASE
                     WHEN l.on_book_at_end THEN l.last_balance
                     -- written off or transferred by the end: not recovered
                     WHEN x.loan_id IS NOT NULL THEN coalesce(l.last_balance, b.start_balance)
                     ELSE 0
                 END, 0)
            END AS recovered
        FROM basis AS b
        LEFT JOIN recorded AS r ON r.loan_id = b.loan_id
        LEFT JOIN later AS l ON l.loan_id = b.loan_id
        LEFT JOIN agg_loan_exit_run AS x
          ON x.loan_id = b.loan_id AND x.first_as_of_date <= $end
         AND (x.next_as_of_date IS NULL OR x.next_as_of_date > $end)
    ),
    {_SHARE}
    SELECT {_HOLDER} AS manager_id, b.org_id, b.loan_id AS item,
           b.recovered * {_WEIGHT} AS numerator,
           b.start_balance * {_WEIGHT} AS denominator, 0 AS loans
    FROM loan AS b
    LEFT JOIN share AS sh ON sh.loan_id = b.loan_id
    """


_LARGEST = "(s.balance, l.contract_amount, s.loan_id)"


def _warning_handling(mine: bool) -> str:
    """A signal's holder is always the manager of one of its customer's snapshots in
    [start, end], so one manager's signals are among the customers they held then."""
    narrow = (
        """AND w.customer_id IN (
            SELECT l.customer_id FROM fct_loan_snapshot AS s
            JOIN dim_loan AS l ON l.loan_id = s.loan_id
            WHERE s.as_of_date >= $start AND s.as_of_date <= $end
              AND s.manager_id = $manager_id)"""
        if mine
        else ""
    )
    return f"""
    WITH signal AS (
        SELECT w.signal_id, w.customer_id, w.signal_date,
               coalesce(w.resolved_date <= least(w.signal_date + $resolution_days, $end), FALSE)
                   AS in_time,
               -- the latest month end on or before the signal date
               CASE WHEN w.signal_date = last_day(w.signal_date) THEN w.signal_date
                    ELSE last_day(w.signal_date - INTERVAL 1 MONTH) END::DATE AS month_end
        FROM fct_warning_signal AS w
        WHERE w.signal_date > $start AND w.signal_date <= $end
          -- decided by the end: its window is over, or it is resolved
          AND (w.signal_date + $resolution_days <= $end OR w.resolved_date <= $end)
          {narrow}
    ),
    signal_loan AS (
        SELECT loan_id, customer_id, contract_amount, org_id
        FROM dim_loan
        WHERE customer_id IN (SELECT customer_id FROM signal)
    ),
    -- each signal customer's largest loan at each month end of [start, end] with a snapshot
    held AS MATERIALIZED (
        SELECT l.customer_id, s.as_of_date,
               arg_max(s.manager_id, {_LARGEST}) AS manager_id,
               arg_max(l.org_id, {_LARGEST}) AS org_id
        FROM fct_loan_snapshot AS s
        JOIN signal_loan AS l ON l.loan_id = s.loan_id
        WHERE s.as_of_date >= $start AND s.as_of_date <= $end
        GROUP BY l.customer_id, s.as_of_date
    ),
    -- most signals: the customer has a snapshot at that month end
    direct AS (
        SELECT s.signal_id, s.in_time, h.manager_id, h.org_id
        FROM signal AS s
        JOIN held AS h ON h.customer_id = s.customer_id AND h.as_of_date = s.month_end
    ),
    -- the others: its latest month end with a snapshot before, else its first after
    rest AS (
        SELECT s.*
        FROM signal AS s
        ANTI JOIN held AS h ON h.customer_id = s.customer_id AND h.as_of_date = s.month_end
    ),
    rest_held AS (SELECT * FROM held WHERE customer_id IN (SELECT customer_id FROM rest)),
    attributed AS (
        SELECT signal_id, in_time, manager_id, org_id FROM direct
        UNION ALL
        SELECT r.signal_id, r.in_time,
               coalesce(before.manager_id, after.manager_id) AS manager_id,
               coalesce(before.org_id, after.org_id) AS org_id
        FROM rest AS r
        ASOF LEFT JOIN rest_held AS before
          ON before.customer_id = r.customer_id AND r.signal_date >= before.as_of_date
        ASOF LEFT JOIN rest_held AS after
          ON after.customer_id = r.customer_id AND r.signal_date < after.as_of_date
    )
    SELECT manager_id, org_id, signal_id AS item, in_time::INTEGER AS numerator,
           1 AS denominator, 0 AS loans
    FROM attributed
    WHERE org_id IN (SELECT org_id FROM bridge_org_subtree WHERE ancestor_org_id = $scope_org_id)
    """


_ITEMS = {
    "asset_quality": _asset_quality,
    "migration": _migration,
    "recovery": _recovery,
    "warning_handling": _warning_handling,
}
ITEM_COMPONENTS: tuple[str, ...] = tuple(_ITEMS)  # the components with per-item SQL


def item_sql(component: str, mine: bool = False) -> str:
    """One row per item (the loan, or the signal for warning handling) of a component in the
    scope's subtree: manager_id (its holder), org_id (booking org), item, numerator,
    denominator, loans. Parameters: item_params; with ``mine``, only the items $manager_id
    may hold (filter the rows by manager_id: a handed-over loan has a row per holder)."""
    return _ITEMS[component](mine)


def item_params(
    component: str, org_id: str, start: date, end: date, months: int, rules: ScoreRules
) -> dict[str, object]:
    """The bound parameters of ``item_sql(component)`` for the subtree of ``org_id`` and the
    period (start, end] of ``months`` month ends."""
    params: dict[str, object] = {"scope_org_id": org_id, "end": end}
    if component != "asset_quality":
        params["start"] = start
    if component in SHARED:
        params["scale"] = share_scale(months)
    if component == "warning_handling":
        params["resolution_days"] = rules.signal_resolution_days
    return params


DDL = """
-- agg_score_component: one row per period × component × holding manager × booking org: the
-- sums of the component's items (METRICS.md §7) over the whole bank. numerator and denominator
-- of migration and recovery are in units of 1 / share_scale(months) (handover shares).
CREATE OR REPLACE TABLE agg_score_component (
    period_end   DATE NOT NULL,
    months       INTEGER NOT NULL,                -- 1 month, 3 quarter, 12 year
    component    VARCHAR NOT NULL,                -- migration · recovery · warning_handling
    manager_id   VARCHAR,
    org_id       VARCHAR NOT NULL,
    numerator    DECIMAL(38, 2) NOT NULL,
    denominator  DECIMAL(38, 2) NOT NULL,
    loans        BIGINT NOT NULL
);

-- agg_score_period: one row per period stored in agg_score_component, with the rules its
-- warning handling applied.
CREATE OR REPLACE TABLE agg_score_period (
    period_end              DATE NOT NULL,
    months                  INTEGER NOT NULL,
    signal_resolution_days  INTEGER NOT NULL
);
"""

# The periods a page offers whose last month end is on or after $since: each month, the
# quarters ending in March, June, September and December, the years ending in December.
_PERIODS = """
    WITH e AS (SELECT DISTINCT as_of_date AS period_end FROM fct_loan_snapshot
               WHERE as_of_date >= $since)
    SELECT last_day(e.period_end - to_months(m.months)) AS period_start, e.period_end, m.months
    FROM e, (SELECT unnest([1, 3, 12]) AS months) AS m
    WHERE month(e.period_end) % m.months = 0
    ORDER BY e.period_end, m.months
"""


def built_rules(con: duckdb.DuckDBPyConnection, period_end: date, months: int) -> int | None:
    """The signal_resolution_days the period was stored with; None when it is not stored."""
    if not has_table(con, "agg_score_period"):
        return None
    row = con.execute(
        "SELECT signal_resolution_days FROM agg_score_period "
        "WHERE period_end = $end AND months = $months",
        {"end": period_end, "months": months},
    ).fetchone()
    return None if row is None else row[0]


def build(con: duckdb.DuckDBPyConnection, settings: Settings, since: date | None = None) -> None:
    """Store the components of the periods ending on or after ``since`` (a month end; None:
    all; ``date.max``: none), the caller guaranteeing that nothing a period before it reads
    changed. A missing table or periods stored with other rules mean a full build."""
    days = settings.scores.signal_resolution_days
    full = since is None or not has_table(con, "agg_score_period")
    if not full:
        recorded = con.execute("SELECT DISTINCT signal_resolution_days FROM agg_score_period")
        full = {row[0] for row in recorded.fetchall()} != {days}
    if full:
        con.execute(DDL)
        since = date.min
    elif since == date.max:
        return
    else:
        for table in ("agg_score_component", "agg_score_period"):
            con.execute(f"DELETE FROM {table} WHERE period_end >= $since", {"since": since})
    roots = con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchall()
    for start, end, months in con.execute(_PERIODS, {"since": since}).fetchall():
        for component in STORED:
            for (root,) in roots:
                params = item_params(component, root, start, end, months, settings.scores)
                con.execute(
                    f"""
                    INSERT INTO agg_score_component
                    SELECT $end, $months, $component, manager_id, org_id, sum(numerator),
                           sum(denominator), sum(loans)
                    FROM ({item_sql(component)}) GROUP BY manager_id, org_id
                    """,
                    {**params, "months": months, "component": component},
                )
        con.execute(
            "INSERT INTO agg_score_period VALUES ($end, $months, $days)",
            {"end": end, "months": months, "days": days},
        )
