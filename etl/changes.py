"""What a delivery changes in the warehouse, so that the load-time tables redo only that.

Each entity's accepted rows are compared with the warehouse rows they replace, just before the
merge (``Changes.note``). The month-keyed tables (``warehouse.aggregates``) are then rebuilt from
the earliest month end a changed row can reach (``since``) onward; a changed loan or customer
attribute that the tables copy onto every month (booking org, product, customer type, …) needs
them all. A new month costs that month; a re-delivered identical file costs nothing; a
correction of June costs June onward.

Which dates place a change: the snapshot's month end (the special inspection it dates back to
the day arrears began is caught by comparing the obligations whole: ``warehouse.aggregates``);
a new loan's disbursement (its cohort and its obligations start there); an inspection's date,
a signal's date, an appraisal's date and a rating's date (each reaches the tables from its
month end onward: obligations, the watch list). Staff, org units, collection actions and
repayments are read by no month-keyed table; staff do reach the inspection tables (the
inspector's org), flagged in ``inspectors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from etl.contract import ENTITIES
from etl.validate import qi

# entity -> (warehouse table, key columns, the date expression placing a changed row)
_DATED = {
    "inspections": ("fct_inspection", ("inspection_id",), "inspection_date"),
    "warning_signals": ("fct_warning_signal", ("signal_id",), "signal_date"),
    "collateral": (
        "fct_collateral_appraisal",
        ("collateral_id", "appraisal_date"),
        "appraisal_date",
    ),
    "customer_ratings": ("dim_customer_rating", ("customer_id", "rating_date"), "rating_date"),
}
# Customer columns only the obligations read (the rating in force), placed by the rating date.
_RATING_COLUMNS = ("credit_rating", "rating_date")


@dataclass
class Changes:
    """The earliest month end whose derived rows may differ (None: none), and whether every
    month must be redone (a copied attribute changed) or the inspectors' orgs changed."""

    since: date | None = None
    everything: bool = False
    inspectors: bool = False

    @property
    def any(self) -> bool:
        return self.everything or self.inspectors or self.since is not None

    def note(self, con: duckdb.DuckDBPyConnection, entity: str) -> None:
        """Compare ``ok_<entity>`` with the warehouse rows it replaces (call before merging)."""
        if self.everything:
            return
        cols = ", ".join(qi(c.name) for c in ENTITIES[entity].columns)
        new = f"SELECT {cols} FROM ok_{entity}"
        if entity == "loan_snapshots":  # a delivered month replaces the whole month
            old = (
                f"SELECT {cols} FROM fct_loan_snapshot WHERE as_of_date IN "
                "(SELECT DISTINCT as_of_date FROM ok_loan_snapshots)"
            )
            self._at(con, _either(new, old), "as_of_date")
        elif entity in _DATED:
            table, keys, day = _DATED[entity]
            old = f"SELECT {cols} FROM {table} SEMI JOIN ok_{entity} USING ({', '.join(keys)})"
            rows = _either(new, old)
            if entity == "customer_ratings":  # only customers already lending have obligations
                rows = f"SELECT * FROM ({rows}) SEMI JOIN dim_loan USING (customer_id)"
            self._at(con, rows, day)
        elif entity == "loans":
            if _differ(con, entity, "dim_loan", "loan_id", cols):
                self.everything = True
            # new loans: their cohort and their obligations start at disbursement
            self._at(con, f"{new} ANTI JOIN dim_loan USING (loan_id)", "disbursement_date")
        elif entity == "customers":
            copied = ", ".join(
                qi(c.name) for c in ENTITIES[entity].columns if c.name not in _RATING_COLUMNS
            )
            if _differ(con, entity, "dim_customer", "customer_id", copied):
                self.everything = True
            rated = "customer_id, credit_rating, rating_date"
            changed = f"SELECT {rated} FROM ok_customers EXCEPT SELECT {rated} FROM dim_customer"
            self._at(
                con,
                f"SELECT * FROM ({changed}) SEMI JOIN dim_loan USING (customer_id)",
                "rating_date",
            )
        elif entity == "staff":
            staff = "SELECT staff_id, org_id FROM"
            self.inspectors |= _exists(con, f"{staff} ok_staff EXCEPT {staff} dim_staff")

    def _at(self, con: duckdb.DuckDBPyConnection, rows: str, day: str) -> None:
        """Move ``since`` to the month end of the earliest ``day`` among ``rows``; a changed row
        without that date could be anywhere, so it means every month."""
        first, undated = con.execute(
            f"SELECT last_day(min({day})), count(*) FILTER (WHERE {day} IS NULL) FROM ({rows})"
        ).fetchone()
        if undated:
            self.everything = True
        if first is not None and (self.since is None or first < self.since):
            self.since = first


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
