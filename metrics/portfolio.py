"""The month ends a scope's figures can be asked for, and the windows pages show.

The §1 figures themselves are in ``metrics.asset_quality``.
"""

from __future__ import annotations

import calendar
from datetime import date

import duckdb

_MONTH_ENDS = "SELECT DISTINCT as_of_date FROM fct_loan_snapshot ORDER BY as_of_date"


def month_ends(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Month ends with snapshots, oldest first: the dates every §1 figure can be asked for."""
    return [row[0] for row in con.execute(_MONTH_ENDS).fetchall()]


def trend_start(end: date, months: int) -> date:
    """The month end ``months - 1`` months before ``end``: a window of ``months`` month ends."""
    index = end.year * 12 + end.month - 1 - (months - 1)
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def previous_month_end(month_ends: list[date], as_of: date) -> date | None:
    """The latest month end with data before ``as_of`` (the comparison month), if any."""
    earlier = [d for d in month_ends if d < as_of]
    return max(earlier) if earlier else None
