"""KPI cards as plain values: label, formatted figure, change, colour, help.

Kept apart from the pages so that what a card says is unit-tested without Streamlit. Every
card's help states the figure's definition (METRICS.md), and where it helps, its parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Literal

from dashboard import format as fmt
from dashboard.i18n import Lang, code_label, text
from etl.contract import CLASSES
from metrics.asset_quality import AssetQuality
from metrics.migration import RATED_CLASSES, MigrationRates
from metrics.obligations import Compliance, ReportQuality
from metrics.roll_rates import FlowRates

Change = str | int | None  # a formatted change; 0 shows a grey "no change"
Colour = Literal["normal", "inverse"]

FLOW_CARDS = 4  # Mk → Mk+1 cards, as METRICS.md §8 reports them (M0→M1 … M3→M4)


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    change: Change
    colour: Colour  # "inverse": a rise is bad (shown red)
    help: str


def kpi_cards(now: AssetQuality, before: AssetQuality | None, lang: Lang) -> list[Kpi]:
    """Loans, total loans, NPL, NPL ratio, special-mention ratio (METRICS.md §1).

    Amounts carry their unit in the label (万元 or 亿元 by size), so the figure stays short
    enough for a card; changes are against ``before`` (the previous month end), if any.
    """
    return [
        Kpi(
            label=text("kpi_loan_count", lang),
            value=fmt.count(now.loan_count),
            change=_change(now, before, "loan_count", fmt.count_change),
            colour="normal",
            help=text("kpi_loan_count_help", lang),
        ),
        _amount(now, before, "kpi_total_balance", "total_balance", "normal", lang),
        _amount(now, before, "kpi_npl_balance", "npl_balance", "inverse", lang),
        _ratio(now, before, "kpi_npl_ratio", "npl_ratio", lang),
        _ratio(now, before, "kpi_sm_ratio", "special_mention_ratio", lang),
    ]


def quality_cards(now: AssetQuality, before: AssetQuality | None, lang: Lang) -> list[Kpi]:
    """The asset-quality page's §1 cards: total loans, NPL ratio, special-mention ratio,
    overdue ratio, 90+ days overdue to NPL (偏离度) and classification-floor breaches."""
    overdue_help = text(
        "kpi_overdue_ratio_help",
        lang,
        principal=fmt.money(now.overdue_principal, lang),
        principal_ratio=fmt.percent(now.overdue_principal_ratio),
    )
    return [
        _amount(now, before, "kpi_total_balance", "total_balance", "normal", lang),
        _ratio(now, before, "kpi_npl_ratio", "npl_ratio", lang),
        _ratio(now, before, "kpi_sm_ratio", "special_mention_ratio", lang),
        _ratio(now, before, "kpi_overdue_ratio", "overdue_ratio", lang, help=overdue_help),
        _ratio(
            now,
            before,
            "kpi_dpd90_to_npl",
            "dpd90_to_npl",
            lang,
            help=text("kpi_dpd90_to_npl_help", lang, dpd60=fmt.percent(now.dpd60_to_npl)),
        ),
        Kpi(
            label=text("kpi_breaches", lang),
            value=fmt.count(now.floor_breach_count),
            change=_change(now, before, "floor_breach_count", fmt.count_change),
            colour="inverse",
            help=text("kpi_breaches_help", lang, balance=fmt.money(now.floor_breach_balance, lang)),
        ),
    ]


def migration_cards(rates: MigrationRates, lang: Lang) -> list[Kpi]:
    """The four class migration rates and the performing-loan rate (METRICS.md §2); each
    card's help gives the formula, its numerator and its denominator."""
    cards = []
    for cls in RATED_CLASSES:
        cohort = rates.of(cls)
        word = _class_word(cls, lang)
        worse = _words([_class_word(c, lang) for c in CLASSES[CLASSES.index(cls) + 1 :]], lang)
        formula = text("mig_rate_help", lang, cls=word, worse=worse)
        figures = text(
            "mig_figures",
            lang,
            numerator=fmt.money(cohort.downward_amount, lang),
            denominator=fmt.money(cohort.denominator, lang),
            opening=fmt.money(cohort.opening_balance, lang),
            reduction=fmt.money(cohort.period_reduction, lang),
        )
        cards.append(
            Kpi(
                label=text("mig_rate", lang, cls=code_label("classification", cls, lang)),
                value=fmt.percent(cohort.rate),
                change=None,
                colour="inverse",
                help=formula[:1].upper() + formula[1:] + " " + figures,
            )
        )
    performing = text(
        "mig_performing_figures",
        lang,
        numerator=fmt.money(rates.performing_numerator, lang),
        denominator=fmt.money(rates.performing_denominator, lang),
    )
    cards.append(
        Kpi(
            label=text("mig_performing", lang),
            value=fmt.percent(rates.performing_migration_rate),
            change=None,
            colour="inverse",
            help=text("mig_performing_help", lang) + " " + performing,
        )
    )
    return cards


def flow_cards(rates: FlowRates, lang: Lang) -> list[Kpi]:
    """Roll rates M0→M1 … M3→M4 (by balance), entry rate and M1 cure rate of one month (§3)."""
    cards = [
        Kpi(
            label=text("flow_rate", lang, from_bucket=flow.from_bucket, to_bucket=flow.to_bucket),
            value=fmt.percent(flow.by_balance),
            change=None,
            colour="inverse",
            help=text(
                "flow_rate_help", lang, from_bucket=flow.from_bucket, to_bucket=flow.to_bucket
            ),
        )
        for flow in rates.flows[:FLOW_CARDS]
    ]
    cards.append(
        Kpi(
            text("entry_rate", lang),
            fmt.percent(rates.entry_rate),
            None,
            "inverse",
            text("entry_rate_help", lang),
        )
    )
    cards.append(
        Kpi(
            text("cure_rate", lang),
            fmt.percent(rates.cure_rate_m1),
            None,
            "normal",
            text("cure_rate_help", lang),
        )
    )
    return cards


def _change(
    now: AssetQuality,
    before: AssetQuality | None,
    figure: str,
    formatter: Callable[[Decimal | float | int], str],
) -> Change:
    if before is None or getattr(now, figure) is None or getattr(before, figure) is None:
        return None
    diff = getattr(now, figure) - getattr(before, figure)
    return 0 if diff == 0 else formatter(diff)


def _amount(
    now: AssetQuality,
    before: AssetQuality | None,
    key: str,
    figure: str,
    colour: Colour,
    lang: Lang,
) -> Kpi:
    unit = fmt.unit_for(getattr(now, figure), lang)
    return Kpi(
        label=text("with_unit", lang, label=text(key, lang), unit=unit.label),
        value=fmt.amount(getattr(now, figure), unit),
        change=_change(now, before, figure, partial(fmt.amount_change, unit=unit)),
        colour=colour,
        help=text(f"{key}_help", lang),
    )


def _ratio(
    now: AssetQuality,
    before: AssetQuality | None,
    key: str,
    figure: str,
    lang: Lang,
    help: str | None = None,
) -> Kpi:
    return Kpi(
        label=text(key, lang),
        value=fmt.percent(getattr(now, figure)),
        change=_change(now, before, figure, partial(fmt.points_change, lang=lang)),
        colour="inverse",
        help=help or text(f"{key}_help", lang),
    )


def _class_word(cls: str, lang: Lang) -> str:
    """A class inside a sentence: 正常 · special mention."""
    label = code_label("classification", cls, lang)
    return label if lang == "zh-CN" else label.lower()


def _words(words: list[str], lang: Lang) -> str:
    """关注、次级、可疑、损失 · special mention, substandard, doubtful or loss."""
    if lang == "zh-CN":
        return "、".join(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def compliance_cards(
    now: Compliance, before: Compliance | None, reports: ReportQuality, report_days: int, lang: Lang
) -> list[Kpi]:
    """Due, on-time and completion rate, overdue, backlog, report quality (METRICS.md §5);
    rates compared with the previous period of the same length."""

    def rate_change(figure: str) -> Change:
        if before is None or getattr(now, figure) is None or getattr(before, figure) is None:
            return None
        return fmt.points_change(getattr(now, figure) - getattr(before, figure), lang)

    late = fmt.MISSING if now.average_days_late is None else f"{now.average_days_late:.1f}"
    return [
        Kpi(text("ins_kpi_due", lang), fmt.count(now.due), None, "normal",
            text("ins_kpi_due_help", lang)),
        Kpi(text("ins_kpi_on_time_rate", lang), fmt.percent(now.on_time_rate),
            rate_change("on_time_rate"), "normal",
            text("ins_kpi_on_time_rate_help", lang, on_time=fmt.count(now.on_time),
                 due=fmt.count(now.due))),
        Kpi(text("ins_kpi_completion_rate", lang), fmt.percent(now.completion_rate),
            rate_change("completion_rate"), "normal",
            text("ins_kpi_completion_rate_help", lang, on_time=fmt.count(now.on_time),
                 late=fmt.count(now.late), due=fmt.count(now.due))),
        Kpi(text("ins_kpi_overdue", lang), fmt.count(now.overdue), None, "inverse",
            text("ins_kpi_overdue_help", lang, avg_late=late)),
        Kpi(text("ins_kpi_backlog", lang), fmt.count(now.overdue_backlog), None, "inverse",
            text("ins_kpi_backlog_help", lang, oldest=fmt.count(now.oldest_days_overdue))),
        Kpi(text("ins_kpi_report_share", lang), fmt.percent(reports.share_good), None, "normal",
            text("ins_kpi_report_share_help", lang, days=report_days,
                 good=fmt.count(reports.good), inspections=fmt.count(reports.inspections))),
    ]  # fmt: skip
