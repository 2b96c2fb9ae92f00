"""The overview's KPI cards as plain values: label, formatted figure, change, colour, help.

Kept apart from the page so that what a card says is unit-tested without Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Literal

from dashboard import format as fmt
from dashboard.i18n import Lang, text
from metrics.portfolio import PortfolioSummary

Change = str | int | None  # a formatted change; 0 shows a grey "no change"


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    change: Change
    colour: Literal["normal", "inverse"]  # "inverse": a rise is bad (shown red)
    help: str


def kpi_cards(now: PortfolioSummary, before: PortfolioSummary | None, lang: Lang) -> list[Kpi]:
    """Loans, total loans, NPL, NPL ratio, special-mention ratio (METRICS.md §1).

    Amounts carry their unit in the label (万元 or 亿元 by size), so the figure stays short
    enough for a card; changes are against ``before`` (the previous month end), if any.
    """

    def change(figure: str, formatter: Callable[[Decimal | float | int], str]) -> Change:
        if before is None or getattr(now, figure) is None or getattr(before, figure) is None:
            return None
        diff = getattr(now, figure) - getattr(before, figure)
        return 0 if diff == 0 else formatter(diff)

    def amount(key: str, figure: str, colour: Literal["normal", "inverse"]) -> Kpi:
        unit = fmt.unit_for(getattr(now, figure), lang)
        return Kpi(
            label=text("with_unit", lang, label=text(key, lang), unit=unit.label),
            value=fmt.amount(getattr(now, figure), unit),
            change=change(figure, partial(fmt.amount_change, unit=unit)),
            colour=colour,
            help=text(f"{key}_help", lang),
        )

    def ratio(key: str, figure: str) -> Kpi:
        return Kpi(
            label=text(key, lang),
            value=fmt.percent(getattr(now, figure)),
            change=change(figure, partial(fmt.points_change, lang=lang)),
            colour="inverse",
            help=text(f"{key}_help", lang),
        )

    return [
        Kpi(
            label=text("kpi_loan_count", lang),
            value=fmt.count(now.loan_count),
            change=change("loan_count", fmt.count_change),
            colour="normal",
            help=text("kpi_loan_count_help", lang),
        ),
        amount("kpi_total_balance", "total_balance", "normal"),
        amount("kpi_npl_balance", "npl_balance", "inverse"),
        ratio("kpi_npl_ratio", "npl_ratio"),
        ratio("kpi_sm_ratio", "special_mention_ratio"),
    ]
