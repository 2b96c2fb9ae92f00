"""The demo bank's time frame, with dates as int32 day numbers and months as month numbers.

Every date the generator handles is a day number (days since 1970-01-01) and every month a month
number (months since 1970-01), so that date arithmetic over millions of loans is plain numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from daihou.settings import InspectionRules

WINDOW_FIRST_MONTH = (2023 - 1970) * 12  # 2023-01: the first of the 36 delivered month ends
N_MONTHS = 36
WINDOW_LAST_MONTH = WINDOW_FIRST_MONTH + N_MONTHS - 1  # 2025-12
BURN_IN_MONTHS = 36  # simulated before the window so that the book starts with arrears and NPLs
EARLIEST_DISBURSEMENT_MONTH = (2018 - 1970) * 12  # the oldest loans still on the book
CALENDAR_FIRST_DAY = int(np.datetime64("2000-01-01", "D").astype(np.int64))
CALENDAR_LAST_DAY = int(np.datetime64("2060-12-31", "D").astype(np.int64))
NEVER = np.int32(2**31 - 1)  # the day number of "no date" (e.g. a staff member who stays)


def month_start(month: np.ndarray | int) -> np.ndarray:
    """Day number of the first day of each month number."""
    return np.asarray(month).astype("datetime64[M]").astype("datetime64[D]").astype(np.int32)


def month_end(month: np.ndarray | int) -> np.ndarray:
    """Day number of the last day of each month number (a month end, an as-of date)."""
    return (month_start(np.asarray(month) + 1) - 1).astype(np.int32)


def month_of(day: np.ndarray | int) -> np.ndarray:
    """Month number of each day number."""
    return np.asarray(day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int32)


def year_of(day: np.ndarray) -> np.ndarray:
    """Calendar year of each day number."""
    return (month_of(day) // 12 + 1970).astype(np.int32)


def to_date(day: int) -> date:
    """A day number as a ``datetime.date`` (for manifests and messages)."""
    return date.fromisoformat(str(np.datetime64(int(day), "D")))


AS_OF_DAY = int(month_end(WINDOW_LAST_MONTH))
WINDOW_FIRST_DAY = int(month_start(WINDOW_FIRST_MONTH))
WINDOW_MONTHS = np.arange(WINDOW_FIRST_MONTH, WINDOW_LAST_MONTH + 1, dtype=np.int32)


def window_month_ends() -> list[date]:
    """The 36 delivered as-of dates, 2023-01-31 … 2025-12-31."""
    return [to_date(d) for d in month_end(WINDOW_MONTHS)]


@dataclass(frozen=True)
class WorkingDays:
    """Working days (Mon–Fri minus holidays, plus make-up days) as a cumulative count per day.

    The fund-flow obligation is due a number of *working* days after disbursement; adding
    working days to a million dates is one ``searchsorted`` on this count.
    """

    cumulative: np.ndarray  # working days in [CALENDAR_FIRST_DAY, day], per day

    @classmethod
    def from_rules(cls, rules: InspectionRules) -> WorkingDays:
        days = np.arange(CALENDAR_FIRST_DAY, CALENDAR_LAST_DAY + 1, dtype=np.int64)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        working = weekday < 5
        holidays = np.array([d.toordinal() for d in rules.holidays], dtype=np.int64)
        makeup = np.array([d.toordinal() for d in rules.makeup_workdays], dtype=np.int64)
        offset = date(1970, 1, 1).toordinal() + CALENDAR_FIRST_DAY
        working[holidays - offset] = False
        working[makeup - offset] = True
        return cls(np.cumsum(working).astype(np.int32))

    def add(self, day: np.ndarray, n: int) -> np.ndarray:
        """The n-th working day after each day (the day itself not counted)."""
        target = self.cumulative[np.asarray(day) - CALENDAR_FIRST_DAY] + n
        return (np.searchsorted(self.cumulative, target) + CALENDAR_FIRST_DAY).astype(np.int32)
