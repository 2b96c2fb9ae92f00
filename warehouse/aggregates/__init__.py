"""Monthly aggregates derived from the loaded facts, brought up to date at the end of every load.

Pages read these small tables instead of scanning every loan snapshot; each builder owns its
tables (DDL with grain comments in its own module) and a test checks that the figures it gives
equal the loan-level computation. Building inside the load's generation keeps them consistent
with the facts: a reader never sees aggregates of one load over facts of another.

A load redoes only what its delivery changed (``etl.changes.Changes``): the month-keyed tables
from the earliest changed month end onward, all of them when an attribute they copy changed,
or when the rules recorded with a table differ from the settings. The obligations (keyed by
customer, not month) are derived again whenever anything changed, and the watch list redone
from the first month an overdue obligation differs. ``daihou rebuild`` and a first load build
everything.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

import duckdb

from daihou.settings import Settings
from etl.changes import Changes
from warehouse.aggregates import asset_quality, obligations, transitions, watchlist
from warehouse.connection import has_table


class MonthlyBuilder(Protocol):
    """Builds its tables for the month ends from ``since`` on (None: all; ``date.max``: none),
    and all of them when its recorded rules differ from the settings or it has none."""

    def __call__(
        self, con: duckdb.DuckDBPyConnection, settings: Settings, since: date | None = None
    ) -> None: ...


# In dependency order: the watch list reads agg_loan_month and fct_obligation.
BEFORE_OBLIGATIONS: list[MonthlyBuilder] = [transitions.build, asset_quality.build]
AFTER_OBLIGATIONS: list[MonthlyBuilder] = [watchlist.build]


def rebuild(
    con: duckdb.DuckDBPyConnection, settings: Settings, changes: Changes | None = None
) -> None:
    """Bring every aggregate up to date with the facts; everything when ``changes`` is None."""
    full = changes is None or changes.everything
    since = None if full else changes.since or date.max
    for build in BEFORE_OBLIGATIONS:
        build(con, settings, since)
    rules = obligations.rules_key(settings.inspection)
    if since != date.max or changes.inspectors or obligations.built_rules(con) != rules:
        if since is None or changes.inspectors or not has_table(con, "fct_obligation"):
            obligations.build(con, settings)
            since = None  # the obligations of every month may have changed
        else:
            since = min(since, _rebuild_obligations(con, settings))
    for build in AFTER_OBLIGATIONS:
        build(con, settings, since)


def _rebuild_obligations(con: duckdb.DuckDBPyConnection, settings: Settings) -> date:
    """Derive the obligations again and return the first month end at which an overdue one
    (what the watch list reads) differs: a snapshot dates its special inspection back to the
    day its arrears began, so a new month can change obligations due months earlier."""
    con.execute("ALTER TABLE fct_obligation RENAME TO fct_obligation_before")
    obligations.build(con, settings)
    cols = "customer_id, kind, due_date, satisfied_date"
    overdue = "WHERE kind IN ('routine', 'special')"
    first = con.execute(
        f"""
        SELECT last_day(min(due_date) + 1) FROM (
            (SELECT {cols} FROM fct_obligation {overdue}
             EXCEPT ALL SELECT {cols} FROM fct_obligation_before {overdue})
            UNION ALL
            (SELECT {cols} FROM fct_obligation_before {overdue}
             EXCEPT ALL SELECT {cols} FROM fct_obligation {overdue})
        )
        """
    ).fetchone()[0]
    con.execute("DROP TABLE fct_obligation_before")
    return first or date.max
