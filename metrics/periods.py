"""Reporting periods (月 / 季 / 年) as the windows the metrics take: (start, end] between month
ends, so that "due in the period" and "dated in the period" are one comparison each."""

from __future__ import annotations

from datetime import date
from typing import Literal

from metrics.portfolio import trend_start

PeriodKind = Literal["month", "quarter", "year", "last12"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "year", "last12")


def period_window(as_of: date, kind: PeriodKind) -> tuple[date, date]:
    """(start, end] of the period of ``kind`` that ends at the month end ``as_of``: its month,
    quarter to date, year to date, or the twelve months ending there."""
    months = {
        "month": 1,
        "quarter": (as_of.month - 1) % 3 + 1,
        "year": as_of.month,
        "last12": 12,
    }[kind]
    return trend_start(as_of, months + 1), as_of
