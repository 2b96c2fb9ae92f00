"""Month ends grouped into batches of bounded size, so that one statement's working set stays
bounded whatever the length of the history and the size of the bank."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

import duckdb

Month = TypeVar("Month", bound=tuple)

# Snapshot rows one loan-month statement reads at most (with the month before, for
# transitions): the whole history of a medium bank in one statement, a large one in several.
BATCH_ROWS = 20_000_000


def consecutive(months: Sequence[Month], budget: int) -> list[list[Month]]:
    """Consecutive months (tuples whose last item is the month's row count) grouped so that a
    group's rows add up to at most ``budget``; a month of more rows is a group alone."""
    groups: list[list[Month]] = []
    rows = 0
    for month in months:
        if not groups or rows + month[-1] > budget:
            groups.append([])
            rows = 0
        groups[-1].append(month)
        rows += month[-1]
    return groups


def snapshot_months(
    con: duckdb.DuckDBPyConnection, since: date, budget: int
) -> list[tuple[date, date]]:
    """The snapshot month ends from ``since`` on as (first, last) ranges of consecutive ones
    holding at most ``budget`` snapshots together (a larger month alone)."""
    months = con.execute(
        "SELECT as_of_date, count(*) FROM fct_loan_snapshot WHERE as_of_date >= $since "
        "GROUP BY as_of_date ORDER BY as_of_date",
        {"since": since},
    ).fetchall()
    return [(group[0][0], group[-1][0]) for group in consecutive(months, budget)]
