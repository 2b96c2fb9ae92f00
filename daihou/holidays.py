"""Chinese public holidays and make-up working days (国务院办公厅 holiday notices), 2023–2025.

These are the defaults of ``Settings.inspection.holidays`` / ``makeup_workdays``: a working day
is Monday–Friday and not a holiday, or a make-up working day (调休上班). Banks extend the lists
in their configuration for the years they load.
"""

from __future__ import annotations

from datetime import date, timedelta


def _span(first: str, last: str) -> list[date]:
    d, end = date.fromisoformat(first), date.fromisoformat(last)
    out = []
    while d <= end:
        out.append(d)
        d += timedelta(days=1)
    return out


CN_HOLIDAYS: tuple[date, ...] = tuple(
    d
    for first, last in (
        # 2023
        ("2023-01-01", "2023-01-02"),  # 元旦
        ("2023-01-21", "2023-01-27"),  # 春节
        ("2023-04-05", "2023-04-05"),  # 清明节
        ("2023-04-29", "2023-05-03"),  # 劳动节
        ("2023-06-22", "2023-06-24"),  # 端午节
        ("2023-09-29", "2023-10-06"),  # 中秋节、国庆节
        # 2024
        ("2024-01-01", "2024-01-01"),
        ("2024-02-10", "2024-02-17"),
        ("2024-04-04", "2024-04-06"),
        ("2024-05-01", "2024-05-05"),
        ("2024-06-10", "2024-06-10"),
        ("2024-09-15", "2024-09-17"),
        ("2024-10-01", "2024-10-07"),
        # 2025
        ("2025-01-01", "2025-01-01"),
        ("2025-01-28", "2025-02-04"),
        ("2025-04-04", "2025-04-06"),
        ("2025-05-01", "2025-05-05"),
        ("2025-05-31", "2025-06-02"),
        ("2025-10-01", "2025-10-08"),
    )
    for d in _span(first, last)
)

CN_MAKEUP_WORKDAYS: tuple[date, ...] = tuple(
    date.fromisoformat(s)
    for s in (
        "2023-01-28",
        "2023-01-29",
        "2023-04-23",
        "2023-05-06",
        "2023-06-25",
        "2023-10-07",
        "2023-10-08",
        "2024-02-04",
        "2024-02-18",
        "2024-04-07",
        "2024-04-28",
        "2024-05-11",
        "2024-09-14",
        "2024-09-29",
        "2024-10-12",
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
    )
)
