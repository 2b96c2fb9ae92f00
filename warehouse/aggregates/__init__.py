"""Monthly aggregates derived from the loaded facts, brought up to date at the end of every load.

Pages read these small tables instead of scanning every loan snapshot; each builder owns its
tables (DDL with grain comments in its own module) and a test checks that the figures it gives
equal the loan-level computation. Building inside the load's generation keeps them consistent
with the facts: a reader never sees aggregates of one load over facts of another.

A load redoes only what its delivery changed (``etl.changes.Changes``): the loan-month tables
from the earliest changed month end onward, all of them when an attribute they copy changed,
or when the rules recorded with a table differ from the settings. The obligations (keyed by
customer, not month) are derived again for the customers a delivery reaches (continued from
the month end before it when only later rows reach them: ``obligation_updates``), the
inspection counts from the month of the earliest changed inspection, and the watch
list is redone from the earliest of: the loan months, its own inputs' reach, the first month
an overdue obligation differs; the score components' periods from the earliest of the loan
months and their own inputs' reach (signals, collection actions). ``daihou rebuild`` and a
first load build everything.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

import duckdb

from daihou.settings import Settings
from etl.changes import Changes
from warehouse.aggregates import (
    asset_quality,
    obligation_updates,
    obligations,
    scores,
    transitions,
    watchlist,
)
from warehouse.connection import has_table


class MonthlyBuilder(Protocol):
    """Builds its tables for the month ends from ``since`` on (None: all; ``date.max``: none),
    and all of them when its recorded rules differ from the settings or it has none."""

    def __call__(
        self, con: duckdb.DuckDBPyConnection, settings: Settings, since: date | None = None
    ) -> None: ...


# In dependency order: the score components and the watch list read agg_loan_month, the watch
# list fct_obligation too.
BEFORE_OBLIGATIONS: list[MonthlyBuilder] = [transitions.build, asset_quality.build]
AFTER_OBLIGATIONS: list[MonthlyBuilder] = [watchlist.build]


def rebuild(
    con: duckdb.DuckDBPyConnection, settings: Settings, changes: Changes | None = None
) -> tuple[date | None, date | None, date | None]:
    """Bring every aggregate up to date with the facts; everything when ``changes`` is None.
    Returns the month ends the loan-month tables, the watch list and the score periods were
    redone from (None: all; ``date.max``: none)."""
    full = changes is None or changes.everything
    since = None if full else changes.since or date.max
    for build in BEFORE_OBLIGATIONS:
        build(con, settings, since)
    periods = None if full else min(since, changes.scores_since or date.max)
    scores.build(con, settings, periods)
    watch = None if full else min(since, changes.watch_since or date.max)
    same_rules = obligations.built_rules(con) == obligations.rules_key(settings.inspection)
    built = all(has_table(con, t) for t in ("fct_obligation", "agg_obligation_backlog"))
    if full or not same_rules or not built:
        obligations.build(con, settings)
        watch = None  # the obligations of every month may have changed
    else:
        if changes.obligations:
            watch = min(watch, obligation_updates.replace_listed(con, settings, changes.horizon))
        if changes.inspections_since is not None:
            obligations.recount_inspections(con, changes.inspections_since)
    for build in AFTER_OBLIGATIONS:
        build(con, settings, watch)
    return since, watch, periods
