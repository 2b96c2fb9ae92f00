"""A load's inspection obligations: derived again for the customers its delivery reaches.

``etl.changes`` lists the customers a delivery reaches. One listed *whole* (a changed row dated
on or before the horizon H, the latest month end before the delivery: a late inspection, a
corrected snapshot) is derived again from its whole history. The others, reached only by rows
dated after H (a new month's snapshots, inspections, signals, appraisals, loans and ratings) or
by the horizon moving on, are *continued* from H: the rows after H cannot change how the
history up to H was matched, so only what they can change is derived again, from a history cut
down to what that reads. This is what keeps a monthly load proportional to the month.

- Snapshots: each loan's latest one up to H, the first one off the book, and every later one.
  That gives each loan's book span, the overdue episodes after H and, for obligations due on or
  after H, the largest loan and the manager (METRICS.md §5 responsibility).
- Routine: the runs anchored on or after X, the customer's last inspection up to H that
  satisfied a routine obligation. An earlier run ends before X and stands; its rows due on or
  after H are carried through for their responsibility. Only the inspections from X on are read.
- Special: the overdue episodes up to H as stored, those after H from the snapshots, and every
  signal, matched again over the customer's special inspections (a few rows each).
- First, fund flow, collateral: those open at H or satisfied after it, those due from H on
  (for their responsibility) and the new ones, matched over the inspections after H and those
  these took. One satisfied by H and due before it stands with its inspection: in due order it
  comes before every new obligation, and every new inspection is later than the one it took.

Responsibility before H stands: the rows due before H keep it. A continued customer that would
gain an obligation due before H (arrears dated back past H) is derived whole instead, because
its responsibility needs the snapshots before H.

The rows replaced (``obligation_before``) are compared with the new ones: only those that
changed are written, their agg_obligation_month cells counted again, the backlog from the first
month end it changes; the watch list is redone from the first month end an overdue obligation
differs at.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from daihou.settings import Settings
from etl.changes import CHANGED_CUSTOMERS, list_changed_customers
from warehouse.aggregates import obligations as ob
from warehouse.aggregates.asset_quality import ON_BOOK

# The customers continued from the horizon, with X (from_day; null: no routine obligation was
# satisfied by then, so every run is derived again).
CONTINUED = "continued_customer"
_IN_CONTINUED = f"{ob.IN_PART} AND customer_id IN (SELECT customer_id FROM {CONTINUED})"

DERIVE_CONTINUED = ob.derive_for(
    _IN_CONTINUED,
    sources={
        "fct_loan_snapshot": f"""
            WITH state AS (
                SELECT s.loan_id, max(s.as_of_date) AS latest,
                       min(s.as_of_date) FILTER (WHERE NOT ({ON_BOOK})) AS first_off
                FROM fct_loan_snapshot AS s SEMI JOIN part_dim_loan AS l USING (loan_id)
                WHERE s.as_of_date <= $horizon
                GROUP BY s.loan_id
            )
            SELECT s.* FROM fct_loan_snapshot AS s SEMI JOIN part_dim_loan AS l USING (loan_id)
            WHERE s.as_of_date > $horizon
            UNION ALL
            SELECT s.* FROM fct_loan_snapshot AS s
            SEMI JOIN (SELECT DISTINCT loan_id, unnest([latest, first_off]) AS as_of_date
                       FROM state) AS t USING (loan_id, as_of_date)
        """,
        "fct_inspection": f"""
            SELECT i.* FROM fct_inspection AS i JOIN {CONTINUED} AS f USING (customer_id)
            WHERE i.customer_id >= $first AND i.customer_id < $after
              AND (i.inspection_type IN ('first', 'fund_flow', 'collateral', 'special')
                   OR f.from_day IS NULL OR i.inspection_date >= f.from_day)
        """,
        "continued_from": f"SELECT customer_id, from_day FROM {CONTINUED} WHERE {ob.IN_PART}",
        "stored_obligation": f"SELECT * FROM obligation_before WHERE {_IN_CONTINUED}",
    },
    markers={
        "CONTINUED_EPISODES": """AND e.as_of_date > $horizon
    UNION ALL
    SELECT obligation_id, kind, customer_id, loan_id, trigger_date, due_date
    FROM stored_obligation WHERE starts_with(obligation_id, 'special:overdue:')""",
        "CONTINUED_GENERAL": """WHERE g.due_date >= $horizon OR EXISTS (
        SELECT 1 FROM stored_obligation AS s
        WHERE s.obligation_id = g.obligation_id AND s.loan_id = g.loan_id)""",
        "CONTINUED_GENERAL_INSPECTIONS": """AND (inspection_date > $horizon
        OR inspection_id IN (SELECT inspection_id FROM stored_obligation))""",
        "CONTINUED_RUNS": """JOIN continued_from AS f USING (customer_id)
    WHERE f.from_day IS NULL OR run.anchor >= f.from_day""",
        "CONTINUED_ROUTINE": """UNION ALL
    SELECT o.obligation_id, o.kind, o.customer_id, o.loan_id, o.trigger_date, o.due_date,
           o.satisfied_date, o.inspection_id, o.inspection_staff_id
    FROM stored_obligation AS o JOIN continued_from AS f USING (customer_id)
    WHERE o.kind = 'routine' AND o.trigger_date < f.from_day""",
    },
)

# Obligation rows one continued derivation statement replaces at most (parts as for the whole
# derivation).
_PART_ROWS = 8_000_000
# The same obligation in two versions: an id can repeat across loans (a shared collateral item).
_SAME = (
    "a.customer_id = b.customer_id AND a.obligation_id = b.obligation_id "
    "AND a.loan_id IS NOT DISTINCT FROM b.loan_id"
)


def replace_listed(con: duckdb.DuckDBPyConnection, settings: Settings, horizon: date) -> date:
    """Derive again the obligations of the customers in CHANGED_CUSTOMERS (with the rules
    fct_obligation was built with, which must be the settings'), whole or continued from
    ``horizon``, and the monthly counts; return the first month end at which an overdue
    obligation differs (``date.max``: none)."""
    list_changed_customers(con)  # a staff change alone lists none
    p = {"horizon": horizon}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ob.LISTED} AS SELECT customer_id "
        f"FROM {CHANGED_CUSTOMERS} GROUP BY customer_id HAVING bool_or(whole)"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {CONTINUED} AS
        SELECT c.customer_id, max(o.satisfied_date) AS from_day
        FROM (SELECT customer_id FROM {CHANGED_CUSTOMERS}
              GROUP BY customer_id HAVING NOT bool_or(whole)) AS c
        LEFT JOIN fct_obligation AS o
          ON o.customer_id = c.customer_id AND o.kind = 'routine' AND o.satisfied_date <= $horizon
        GROUP BY c.customer_id
        """,
        p,
    )
    con.execute(f"INSERT INTO {ob.LISTED} {_WITHOUT_SNAPSHOTS_BEFORE}", p)
    con.execute(
        f"DELETE FROM {CONTINUED} WHERE customer_id IN (SELECT customer_id FROM {ob.LISTED})"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE obligation_before AS
        SELECT o.* FROM fct_obligation AS o
        LEFT JOIN {CONTINUED} AS c ON c.customer_id = o.customer_id
        WHERE o.customer_id IN (SELECT customer_id FROM {ob.LISTED})
           OR (c.customer_id IS NOT NULL
               AND CASE o.kind
                   WHEN 'special' THEN TRUE
                   WHEN 'routine' THEN c.from_day IS NULL OR o.trigger_date >= c.from_day
                                       OR o.due_date >= $horizon
                   ELSE o.satisfied_date IS NULL OR o.satisfied_date > $horizon
                        OR o.due_date >= $horizon
               END)
        """,
        p,
    )
    con.execute("CREATE OR REPLACE TEMP TABLE obligation_after AS FROM fct_obligation LIMIT 0")
    _derive_whole(con, settings)
    parts = ob.customer_parts(
        con,
        CONTINUED,
        f"FROM obligation_before SEMI JOIN {CONTINUED} USING (customer_id)",
        _PART_ROWS,
    )
    ob.insert_derived(con, DERIVE_CONTINUED, settings.inspection, parts, "obligation_after", p)
    _derive_back_dated_whole(con, settings, horizon)
    con.execute(
        f"""
        UPDATE obligation_after AS a
        SET basis_loan_id = b.basis_loan_id, manager_id = b.manager_id, org_id = b.org_id
        FROM obligation_before AS b
        WHERE {_SAME} AND a.due_date < $horizon
          AND a.customer_id IN (SELECT customer_id FROM {CONTINUED})
        """,
        p,
    )
    # the watch list reads the overdue routine and special obligations, the backlog all by
    # responsibility; both of the month ends after the old horizon are new
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE obligation_changed AS
        WITH pair AS (
            SELECT a AS n, b AS o FROM obligation_after AS a
            FULL JOIN obligation_before AS b ON {_SAME}
            WHERE a IS DISTINCT FROM b
        )
        -- an unmatched side is a row of nulls (obligation_id is never null)
        SELECT TRUE AS new, n.* FROM pair WHERE n.obligation_id IS NOT NULL
        UNION ALL
        SELECT FALSE, o.* FROM pair WHERE o.obligation_id IS NOT NULL
        """
    )
    watch = _first_overdue_difference(con, "kind IN ('routine', 'special')")
    backlog = _first_overdue_difference(con, "TRUE", ("org_id", "manager_id"))
    con.execute(
        "DELETE FROM fct_obligation AS a "
        f"USING (FROM obligation_changed WHERE NOT new) AS b WHERE {_SAME}"
    )
    con.execute(
        "INSERT INTO fct_obligation SELECT * EXCLUDE (new) FROM obligation_changed WHERE new "
        f"ORDER BY {ob.ORDER}"
    )
    _recount(con, min(backlog, _next_month_end(horizon)) if horizon else None)
    for table in ("obligation_before", "obligation_after", "obligation_changed"):
        con.execute(f"DROP TABLE {table}")
    return watch


def _next_month_end(month_end: date) -> date:
    first = month_end + timedelta(days=1)
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _recount(con: duckdb.DuckDBPyConnection, backlog_from: date | None) -> None:
    """Count again the agg_obligation_month cells (responsibility, kind, due month) of the rows
    replaced that changed, and the backlog from ``backlog_from`` on (None: all)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE touched_cell AS
        SELECT DISTINCT org_id, manager_id, kind, last_day(due_date) AS due_month
        FROM obligation_changed
        """
    )
    same = (
        "a.org_id IS NOT DISTINCT FROM t.org_id AND a.manager_id IS NOT DISTINCT FROM t.manager_id "
        "AND a.kind = t.kind AND {due_month} = t.due_month"
    )
    cells = same.format(due_month="a.due_month")
    con.execute(f"DELETE FROM agg_obligation_month AS a USING touched_cell AS t WHERE {cells}")
    rows = same.format(due_month="last_day(a.due_date)")
    touched = f"FROM (SELECT a.* FROM fct_obligation AS a SEMI JOIN touched_cell AS t ON {rows})"
    con.execute(ob.COUNT_OBLIGATIONS.format(rows=touched))
    con.execute(
        "DELETE FROM agg_obligation_backlog WHERE $from IS NULL OR as_of_date >= $from",
        {"from": backlog_from},
    )
    con.execute(ob.COUNT_BACKLOG, {"from": backlog_from})
    con.execute("DROP TABLE touched_cell")


def _derive_whole(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Derive the customers in LISTED from their whole history into obligation_after."""
    if con.execute(f"SELECT EXISTS (FROM {ob.LISTED})").fetchone()[0]:
        parts = ob.customer_parts(con, ob.LISTED)
        ob.insert_derived(con, ob.DERIVE_LISTED, settings.inspection, parts, "obligation_after")


# Continued customers whose responsibility before the horizon can change. Before a loan's first
# snapshot its first one is used (its manager), and a customer without any snapshot is held by
# its largest contract: a loan disbursed by then whose first snapshot comes after it changes the
# first, a new loan or a first snapshot of a customer without one up to it the second.
_WITHOUT_SNAPSHOTS_BEFORE = f"""
    SELECT l.customer_id
    FROM dim_loan AS l
    LEFT JOIN (
        SELECT loan_id, bool_or(as_of_date <= $horizon) AS before,
               bool_or(as_of_date > $horizon) AS after
        FROM fct_loan_snapshot
        SEMI JOIN (dim_loan SEMI JOIN {CONTINUED} USING (customer_id)) USING (loan_id)
        GROUP BY loan_id
    ) AS s USING (loan_id)
    WHERE l.customer_id IN (SELECT customer_id FROM {CONTINUED})
    GROUP BY l.customer_id
    HAVING bool_or(l.disbursement_date <= $horizon AND s.before IS NOT TRUE AND s.after)
        OR (NOT bool_or(s.before IS TRUE) AND bool_or(l.disbursement_date <= $horizon)
            AND bool_or(l.disbursement_date > $horizon OR s.after))
"""
# Continued customers that gain an obligation due before the horizon (arrears dated back past
# it): its responsibility reads the snapshots before the horizon.
_BACK_DATED = f"""
    SELECT DISTINCT a.customer_id FROM obligation_after AS a
    ANTI JOIN obligation_before AS b ON {_SAME}
    WHERE a.due_date < $horizon AND a.customer_id IN (SELECT customer_id FROM {CONTINUED})
"""


def _derive_back_dated_whole(
    con: duckdb.DuckDBPyConnection, settings: Settings, horizon: date
) -> None:
    """Derive whole instead the continued customers that gain an obligation due before the
    horizon (LISTED becomes those: the others listed are derived)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {ob.LISTED} AS {_BACK_DATED}", {"horizon": horizon})
    moved = f"customer_id IN (SELECT customer_id FROM {ob.LISTED})"
    for sql in (
        f"DELETE FROM {CONTINUED} WHERE {moved}",
        f"DELETE FROM obligation_after WHERE {moved}",
        f"DELETE FROM obligation_before WHERE {moved}",
        f"INSERT INTO obligation_before SELECT * FROM fct_obligation WHERE {moved}",
    ):
        con.execute(sql)
    _derive_whole(con, settings)


def _first_overdue_difference(
    con: duckdb.DuckDBPyConnection, kinds: str, also: tuple[str, ...] = ()
) -> date:
    """The first month end at which an overdue obligation of ``kinds`` (due before the month
    end, not satisfied by it) differs between the rows replaced and the new ones, the columns
    ``also`` compared too (``date.max``: none). A snapshot dates its special inspection back to
    the day arrears began, so a new month can add obligations due months earlier; an old
    obligation satisfied in the new month differs from then on."""
    cols = ", ".join(
        ("obligation_id", "customer_id", "loan_id", "kind", "due_date", "satisfied_date", *also)
    )
    others = "".join(f" OR n.{c} IS DISTINCT FROM o.{c}" for c in also)
    first = con.execute(
        f"""
        WITH n AS (SELECT {cols} FROM obligation_changed WHERE new AND {kinds}
                   EXCEPT ALL SELECT {cols} FROM obligation_changed WHERE NOT new AND {kinds}),
        o AS (SELECT {cols} FROM obligation_changed WHERE NOT new AND {kinds}
              EXCEPT ALL SELECT {cols} FROM obligation_changed WHERE new AND {kinds})
        SELECT last_day(min(
            CASE WHEN n.obligation_id IS NULL OR o.obligation_id IS NULL
                   OR n.kind <> o.kind OR n.due_date <> o.due_date{others}
                 THEN least(n.due_date, o.due_date) + 1  -- overdue from the day after
                 ELSE least(n.satisfied_date, o.satisfied_date)  -- satisfied on another day
            END))
        FROM n FULL JOIN o
          ON o.customer_id = n.customer_id AND o.obligation_id = n.obligation_id
         AND o.loan_id IS NOT DISTINCT FROM n.loan_id
        """
    ).fetchone()[0]
    return first or date.max
