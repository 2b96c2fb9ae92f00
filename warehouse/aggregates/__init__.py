"""Monthly aggregates derived from the loaded facts, rebuilt at the end of every load.

Pages read these small tables instead of scanning every loan snapshot; each builder owns its
tables (DDL with grain comments in its own module) and a test checks that the figures it gives
equal the loan-level computation. Rebuilding inside the load's generation keeps them consistent
with the facts: a reader never sees aggregates of one load over facts of another.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from daihou.settings import Settings
from warehouse.aggregates import asset_quality, obligations, transitions, watchlist

Builder = Callable[[duckdb.DuckDBPyConnection, Settings], None]

BUILDERS: list[Builder] = []
BUILDERS.append(transitions.build)
BUILDERS.append(asset_quality.build)
BUILDERS.append(obligations.build)  # after the facts; the watch list builds on it
BUILDERS.append(watchlist.build)  # after asset_quality (agg_loan_month) and obligations


def rebuild(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Rebuild every aggregate from the facts now in the warehouse."""
    for build in BUILDERS:
        build(con, settings)
