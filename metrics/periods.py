"""Reporting periods (月 / 季 / 年) as the windows the metrics take: (start, end] between month
ends, so that "due in the period" and "dated in the period" are one comparison each."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


# -- named periods for assessment (METRICS.md §7: month, quarter, year) -----------------------

PeriodLength = Literal["month", "quarter", "year"]
_MONTHS: dict[PeriodLength, int] = {"month": 1, "quarter": 3, "year": 12}
_PERIOD_FORMS = "YYYY-MM (a month, e.g. 2025-12), YYYYQn (a quarter, e.g. 2025Q4) or YYYY (a year)"


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year as the window (start, end] between month ends."""

    label: str  # canonical: 2025-12, 2025Q4, 2025
    kind: PeriodLength
    start: date  # the month end before the period (exclusive)
    end: date  # the period's last month end

    @property
    def months(self) -> int:
        """How many month ends the period holds (1, 3 or 12)."""
        return _MONTHS[self.kind]

    @property
    def month_ends(self) -> list[date]:
        """The period's month ends, oldest first."""
        return [trend_start(self.end, self.months - i) for i in range(self.months)]

    def previous(self) -> Period:
        """The period of the same kind just before this one (for comparisons)."""
        return _period(self.kind, self.start)


def _period(kind: PeriodLength, end: date) -> Period:
    """The period of ``kind`` whose last month end is ``end``."""
    if kind == "month":
        label = f"{end.year}-{end.month:02d}"
    elif kind == "quarter":
        label = f"{end.year}Q{(end.month - 1) // 3 + 1}"
    else:
        label = str(end.year)
    return Period(label, kind, trend_start(end, _MONTHS[kind] + 1), end)


_PERIOD_RE = re.compile(r"(\d{4})(?:-(\d{1,2})|[Qq]([1-4]))?")


def parse_period(text: str) -> Period:
    """``2025-12`` (month), ``2025Q4`` (quarter) or ``2025`` (year) as a Period; a clear
    ValueError for anything else."""
    match = _PERIOD_RE.fullmatch(text.strip())
    if match is None or not 1900 <= int(match.group(1)) <= 9999:
        raise ValueError(f"period {text!r} not understood: give {_PERIOD_FORMS}")
    year, month, quarter = match.groups()
    if month is not None:
        if not 1 <= int(month) <= 12:
            raise ValueError(f"period {text!r}: month {month} is not 1–12; give {_PERIOD_FORMS}")
        return _period("month", trend_start(date(int(year), int(month), 1), 1))
    if quarter is not None:
        return _period("quarter", trend_start(date(int(year), int(quarter) * 3, 1), 1))
    return _period("year", date(int(year), 12, 31))


def periods_with_data(month_ends: list[date], kind: PeriodLength) -> list[Period]:
    """The periods of ``kind`` whose last month end has data, latest first (a quarter ends in
    March, June, September or December; a year in December)."""
    last_months = {"month": range(1, 13), "quarter": (3, 6, 9, 12), "year": (12,)}[kind]
    return [
        _period(kind, end) for end in sorted(month_ends, reverse=True) if end.month in last_months
    ]
