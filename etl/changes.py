"""What a delivery changes in the warehouse, so that the load-time tables redo only that.

Each entity's accepted rows are compared with the warehouse rows they replace, just before the
merge (``Changes.note``). Three reaches come out of it, because the load-time tables read
different facts (``warehouse.aggregates``):

- ``since``: the earliest month end of a changed snapshot or a new loan's disbursement (its
  cohort); the loan-month tables (asset quality, transitions, vintage) are redone from there.
  A changed loan or customer attribute they copy onto every month (booking org, product,
  customer type, …) or a changed calendar needs them all (``everything``).
- ``watch_since``: the watch list's own inputs besides those: a signal placed at the month end
  from which its being open differs (a signal resolved in the new month reaches that month, not
  the month it was raised), an appraisal at its month end (not before its loan's disbursement).
- ``obligations``: an input of the inspection obligations changed (snapshots, loans, customers'
  ratings, inspections, signals, appraisals). Every obligation is one customer's, so
  the customers they are derived again for are listed in the temporary table
  ``CHANGED_CUSTOMERS``: those of a changed row (its old and its new version, in the columns
  the obligations read), and, when the delivery moves the latest month end on, those with a
  loan at the old one (their book and routine chains run up to it). A customer is listed
  ``whole`` when a changed row is dated on or before the latest month end before the delivery
  (``horizon``): its obligations are derived again from its whole history; the others are
  continued from that month end (``warehouse.aggregates.obligation_updates``). The watch
  list is then redone from the first month an overdue obligation differs.
- ``inspections_since``: the month end of the earliest changed inspection (either version, any
  column: a report filed late counts) or of one done by an inspector who moved org; the
  inspection counts (agg_inspection_month) are redone from there.
- ``scores_since``: the score components' own inputs besides the snapshots: a changed signal
  placed as for the watch list (warning handling reads a resolution only as resolved by a
  period's end, so a signal raised years ago and resolved in the new month reaches the new
  month), and the month end of the earliest changed collection action (its date, either
  version); the periods ending from there on are redone (``warehouse.aggregates.scores``).

A new month costs that month (and the obligations of the customers with a loan in it); a
re-delivered identical file costs nothing; a correction of June costs June onward. Org units
and repayments are read by no load-time table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from etl.contract import ENTITIES
from etl.targets import TARGETS
from etl.validate import qi

# Customer columns only the obligations read (the rating in force).
_RATING_COLUMNS = ("credit_rating", "rating_date")
# The temporary table of the customers whose obligations a load derives again.
CHANGED_CUSTOMERS = "changed_customer"
# entity -> how a row ``r`` of it names its customer (its own column, or its loan's ``l``), and
# the date that places it before or after the horizon (an appraisal counts from its loan's
# disbursement: one made before a new loan was disbursed matches only the loan's inspections)
_CUSTOMER_OF = {
    "customers": ("customer_id", "r.rating_date"),
    "customer_ratings": ("customer_id", "r.rating_date"),
    "loans": ("customer_id", "r.disbursement_date"),
    "inspections": ("customer_id", "r.inspection_date"),
    "warning_signals": ("customer_id", "r.signal_date"),
    "loan_snapshots": ("loan_id", "r.as_of_date"),
    "collateral": ("loan_id", "greatest(r.appraisal_date, l.disbursement_date)"),
}
# The columns the obligations read, where an entity has others (a report filed, a signal
# resolved: re-delivered rows that change no obligation).
_OBLIGATION_COLUMNS = {
    "inspections": (
        "inspection_id", "customer_id", "loan_id", "staff_id", "inspection_date",
        "inspection_type", "method",
    ),
    "warning_signals": ("signal_id", "customer_id", "loan_id", "signal_date", "severity"),
}  # fmt: skip
# Entities whose delivered rows are compared with the rows they replace, column by column.
_COMPARED = (
    "customer_ratings", "inspections", "warning_signals", "collateral", "collection_actions",
)  # fmt: skip
# Signal columns that only say until when it is open (watch list: OPEN_SIGNAL).
_RESOLUTION_COLUMNS = ("resolved_date", "status")


@dataclass
class Changes:
    """How far back a delivery reaches (module docstring); None: nowhere."""

    since: date | None = None
    watch_since: date | None = None
    scores_since: date | None = None
    inspections_since: date | None = None
    everything: bool = False
    obligations: bool = False
    horizon: date | None = None  # the latest month end before the delivery

    @classmethod
    def before(cls, con: duckdb.DuckDBPyConnection) -> Changes:
        """The changes of a delivery to this warehouse (a first load builds everything, without
        comparing with an empty warehouse)."""
        horizon = con.execute("SELECT max(as_of_date) FROM fct_loan_snapshot").fetchone()[0]
        empty = not con.execute("SELECT EXISTS (FROM dim_loan)").fetchone()[0]
        return cls(everything=empty, horizon=horizon)

    def note(self, con: duckdb.DuckDBPyConnection, entity: str) -> None:
        """Compare ``ok_<entity>`` with the warehouse rows it replaces (call before merging)."""
        if self.everything:
            return
        columns = [c.name for c in ENTITIES[entity].columns]
        cols = ", ".join(qi(c) for c in columns)
        new = f"SELECT {cols} FROM ok_{entity}"
        if entity in _COMPARED:  # found once: finding them reads the whole table
            table, key = TARGETS[entity]
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {_replaced(entity)} AS "
                f"SELECT {cols} FROM {table} SEMI JOIN ok_{entity} USING ({', '.join(key)})"
            )
            old = f"SELECT {cols} FROM {_replaced(entity)}"
        if entity == "loan_snapshots":
            old = (  # a delivered month replaces the whole month
                f"SELECT {cols} FROM fct_loan_snapshot WHERE as_of_date IN "
                "(SELECT DISTINCT as_of_date FROM ok_loan_snapshots)"
            )
            con.execute(f"CREATE OR REPLACE TEMP TABLE changed_snapshot AS {_either(new, old)}")
            changed = "SELECT * FROM changed_snapshot"
            self.since = _earlier(self.since, self._first(con, changed, "as_of_date"))
            self._note_customers(con, entity, changed)
            self._note_horizon(con)
            con.execute("DROP TABLE changed_snapshot")
        elif entity == "loans":
            if _differ(con, entity, "dim_loan", "loan_id", cols):
                self.everything = True
            # new loans: their cohort starts at disbursement
            added = f"{new} ANTI JOIN dim_loan USING (loan_id)"
            self.since = _earlier(self.since, self._first(con, added, "disbursement_date"))
            self._note_customers(con, entity, added)
        elif entity == "customers":
            copied = ", ".join(qi(c) for c in columns if c not in _RATING_COLUMNS)
            if _differ(con, entity, "dim_customer", "customer_id", copied):
                self.everything = True
            # a dated rating delivered is a point of the rating history, which keeps the others
            rating = f"customer_id, {', '.join(_RATING_COLUMNS)}"
            delivered = f"SELECT {rating} FROM ok_customers WHERE rating_date IS NOT NULL"
            kept = f"SELECT {rating} FROM dim_customer SEMI JOIN ok_customers USING (customer_id)"
            self.obligations |= self._note_customers(con, entity, f"{delivered} EXCEPT {kept}") > 0
        elif entity == "warning_signals":
            reach = self._signals(con, columns)
            self.watch_since = _earlier(self.watch_since, reach)
            self.scores_since = _earlier(self.scores_since, reach)
            self._note_customers(con, entity, _obligation_rows(entity))
        elif entity == "collection_actions":  # recovery (METRICS.md §7)
            rows = _either(new, old)
            self.scores_since = _earlier(self.scores_since, _first_month(con, rows, "action_date"))
        elif entity == "collateral":
            # an appraisal matters from its date, but not before its loan was disbursed
            changed = (
                f"SELECT c.*, greatest(c.appraisal_date, l.disbursement_date) AS reach "
                f"FROM ({new} EXCEPT SELECT {cols} FROM fct_collateral_appraisal) AS c "
                "LEFT JOIN dim_loan AS l ON l.loan_id = c.loan_id"
            )
            first = self._first(con, changed, "reach")
            self.watch_since = _earlier(self.watch_since, first)
            self._note_customers(con, entity, _obligation_rows(entity))
        elif entity == "staff":  # the inspector's org: the inspection counts, not obligations
            moved = (
                "SELECT staff_id FROM ok_staff AS n JOIN dim_staff AS o USING (staff_id) "
                "WHERE n.org_id IS DISTINCT FROM o.org_id"
            )
            done = f"SELECT inspection_date FROM fct_inspection WHERE staff_id IN ({moved})"
            first = _first_month(con, done, "inspection_date")
            self.inspections_since = _earlier(self.inspections_since, first)
        elif entity == "inspections":
            rows = _either(new, old)
            first = _first_month(con, rows, "inspection_date")
            self.inspections_since = _earlier(self.inspections_since, first)
            self.obligations |= self._note_customers(con, entity, _obligation_rows(entity)) > 0
        elif entity in _CUSTOMER_OF:
            self.obligations |= _exists(con, _either(new, old))
            self._note_customers(con, entity, _obligation_rows(entity))
        if entity in _COMPARED:
            con.execute(f"DROP TABLE {_replaced(entity)}")

    def _note_customers(self, con: duckdb.DuckDBPyConnection, entity: str, rows: str) -> int:
        """Add the customers of changed ``rows`` of ``entity`` to CHANGED_CUSTOMERS, whole when
        a row is dated on or before the horizon; how many customers there were."""
        list_changed_customers(con)
        key, day = _CUSTOMER_OF[entity]
        if key == "loan_id":  # dim_loan: loans merge before the loans' facts
            rows = f"SELECT l.customer_id, {day} AS day FROM ({rows}) AS r JOIN dim_loan AS l "
            rows += "USING (loan_id)"
        else:
            rows = f"SELECT r.customer_id, {day} AS day FROM ({rows}) AS r"
        return con.execute(
            f"INSERT INTO {CHANGED_CUSTOMERS} "
            f"SELECT customer_id, bool_or(coalesce(day <= $horizon, TRUE)) FROM ({rows}) "
            "GROUP BY customer_id",
            {"horizon": self.horizon},
        ).fetchone()[0]

    def _note_horizon(self, con: duckdb.DuckDBPyConnection) -> None:
        """A delivery past the latest month end moves the book's horizon on: add the customers
        with a loan at the old one (or an appraisal after it, which the horizon held back)."""
        con.execute(
            f"""
            INSERT INTO {CHANGED_CUSTOMERS}
            WITH h AS (SELECT max(as_of_date) AS old FROM fct_loan_snapshot),
            moved AS (SELECT h.old FROM h WHERE (SELECT max(as_of_date) FROM ok_loan_snapshots)
                                                > h.old)
            SELECT DISTINCT l.customer_id, FALSE FROM dim_loan AS l
            WHERE l.loan_id IN (SELECT loan_id FROM fct_loan_snapshot
                                WHERE as_of_date = (SELECT old FROM moved))
               OR l.loan_id IN (SELECT loan_id FROM fct_collateral_appraisal
                                WHERE appraisal_date > (SELECT old FROM moved))
            """
        )

    def _first(self, con: duckdb.DuckDBPyConnection, rows: str, day: str) -> date | None:
        """The month end of the earliest ``day`` among changed ``rows`` (which the obligations
        read); a changed row without that date could be anywhere, so it means every month."""
        first, undated, changed = con.execute(
            f"SELECT last_day(min({day})), count(*) FILTER (WHERE {day} IS NULL), count(*) "
            f"FROM ({rows})"
        ).fetchone()
        self.everything |= undated > 0
        self.obligations |= changed > 0
        return first

    def _signals(self, con: duckdb.DuckDBPyConnection, columns: list[str]) -> date | None:
        """A changed signal reaches the watch list and warning handling from its signal date,
        or, when only its resolution changed (both versions open until their resolved date,
        none meaning still open), from the earlier of the two resolved dates."""
        cols = ", ".join(qi(c) for c in columns)
        others = " OR ".join(
            f"n.{qi(c)} IS DISTINCT FROM o.{qi(c)}" for c in columns if c not in _RESOLUTION_COLUMNS
        )
        undated_resolution = "(x.resolved_date IS NULL AND x.status = 'resolved')"
        either = " OR ".join(undated_resolution.replace("x.", f"{v}.") for v in "no")
        rows = f"""
            WITH n AS (SELECT {cols} FROM ok_warning_signals
                       EXCEPT SELECT {cols} FROM fct_warning_signal),
            o AS (SELECT {cols} FROM fct_warning_signal SEMI JOIN n USING (signal_id))
            SELECT CASE WHEN o.signal_id IS NULL OR {others} OR {either}
                        THEN least(n.signal_date, o.signal_date)
                        ELSE least(n.resolved_date, o.resolved_date) END AS reach
            FROM n LEFT JOIN o ON o.signal_id = n.signal_id
        """
        sql = f"SELECT last_day(min(reach)), count(*) FROM ({rows})"
        first, changed = con.execute(sql).fetchone()
        self.obligations |= changed > 0
        return first


def _replaced(entity: str) -> str:
    """The temporary table of the warehouse rows the delivered rows of ``entity`` (one of
    _COMPARED) replace: those of the same key."""
    return f"replaced_{entity}"


def list_changed_customers(con: duckdb.DuckDBPyConnection) -> None:
    """Create CHANGED_CUSTOMERS, empty, unless this connection has it. A customer may be listed
    more than once; it is whole when it is listed whole once."""
    con.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {CHANGED_CUSTOMERS} "
        "(customer_id VARCHAR NOT NULL, whole BOOLEAN NOT NULL)"
    )


def _obligation_rows(entity: str) -> str:
    """The delivered rows of ``entity`` that differ from the ones they replace (and those
    versions) in the columns the obligations read."""
    columns = _OBLIGATION_COLUMNS.get(entity) or [c.name for c in ENTITIES[entity].columns]
    cols = ", ".join(qi(c) for c in columns)
    return _either(f"SELECT {cols} FROM ok_{entity}", f"SELECT {cols} FROM {_replaced(entity)}")


def _first_month(con: duckdb.DuckDBPyConnection, rows: str, day: str) -> date | None:
    """The month end of the earliest ``day`` among ``rows`` (a required column)."""
    return con.execute(f"SELECT last_day(min({day})) FROM ({rows})").fetchone()[0]


def _earlier(a: date | None, b: date | None) -> date | None:
    return b if a is None else a if b is None else min(a, b)


def _either(new: str, old: str) -> str:
    """Rows in one of two row sets and not the other (both directions)."""
    return f"({new} EXCEPT ALL {old}) UNION ALL ({old} EXCEPT ALL {new})"


def _differ(con: duckdb.DuckDBPyConnection, entity: str, table: str, key: str, cols: str) -> bool:
    """Does any delivered row of a key already in ``table`` change one of ``cols``?"""
    old = f"SELECT {cols} FROM {table} SEMI JOIN ok_{entity} USING ({key})"
    new = f"SELECT {cols} FROM ok_{entity} SEMI JOIN {table} USING ({key})"
    return _exists(con, f"{old} EXCEPT ALL {new}")


def _exists(con: duckdb.DuckDBPyConnection, rows: str) -> bool:
    return con.execute(f"SELECT EXISTS ({rows})").fetchone()[0]
