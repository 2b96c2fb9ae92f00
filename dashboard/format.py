"""How amounts, ratios and counts read to bank staff.

Chinese: amounts in 万元, or 亿元 from one 亿 up, two decimals, thousands separators, rounded
half up (四舍五入) as in bank reports. English: ¥ with k / m / bn. Ratios are fractions in the
data (0.0123) and show as percentages with two decimals; changes of a ratio in percentage points.
Pure functions of their arguments, so they are unit-tested without Streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from daihou.settings import ClassificationFloor
from dashboard.i18n import Lang, code_label, text

MISSING = "—"  # a figure that cannot be computed (e.g. a ratio over nothing on the book)

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Unit:
    """An amount unit: divide yuan by ``divisor`` and write ``label`` after the number."""

    divisor: float
    label: str


def money(yuan: Decimal | float | None, lang: Lang) -> str:
    """An amount for a KPI or a sentence: 12,345.67 万元 · 1.23 亿元 · ¥123.46m."""
    value = _decimal(yuan)
    if value is None:
        return MISSING
    if lang == "zh-CN":
        if abs(value) >= YI:
            return f"{_round(value / YI):,} 亿元"
        return f"{_round(value / WAN):,} 万元"
    return "-" * (value < 0) + "¥" + _english_magnitude(abs(value))


def percent(ratio: float | Decimal | None) -> str:
    """A ratio as a percentage with two decimals: 0.012345 -> 1.23%."""
    value = _decimal(ratio)
    if value is None:
        return MISSING
    return f"{_round(value * 100)}%"


def points_change(change: float | None, lang: Lang) -> str:
    """A change of a ratio in percentage points: +0.12 个百分点 · -0.12 pp."""
    value = _decimal(change)
    if value is None:
        return MISSING
    points = _round(value * 100)
    sign = "+" if points >= 0 else ""
    return f"{sign}{points} 个百分点" if lang == "zh-CN" else f"{sign}{points} pp"


def count(n: int | None) -> str:
    """A count with thousands separators."""
    return MISSING if n is None else f"{n:,}"


def count_change(n: int | None) -> str:
    return MISSING if n is None else f"{n:+,}"


def amount(yuan: Decimal | float | None, unit: Unit) -> str:
    """An amount as a number in ``unit``, the unit written elsewhere (a label, an axis)."""
    value = _decimal(yuan)
    return MISSING if value is None else f"{_round(value / Decimal(unit.divisor)):,}"


def amount_change(yuan: Decimal | float | None, unit: Unit) -> str:
    """A change of an amount in ``unit``, with its sign: +12.34, -1,200.00."""
    value = _decimal(yuan)
    return MISSING if value is None else ("+" if value >= 0 else "") + amount(value, unit)


def table_unit(lang: Lang) -> Unit:
    """One unit for a whole table column, so that rows compare at a glance."""
    return Unit(10_000, "万元") if lang == "zh-CN" else Unit(1_000_000, "CNY m")


def unit_for(largest_yuan: Decimal | float, lang: Lang) -> Unit:
    """The unit for a figure or an axis whose largest amount is ``largest_yuan``."""
    if lang == "zh-CN":
        return Unit(100_000_000, "亿元") if largest_yuan >= YI else Unit(10_000, "万元")
    if largest_yuan >= 1_000_000_000:
        return Unit(1_000_000_000, "CNY bn")
    return Unit(1_000_000, "CNY m")


def bucket_ranges(labels: list[str], upper_edges: list[int], lang: Lang) -> str:
    """The delinquency buckets in words: M0 未逾期；M1 1–30 天；…；M7+ 180 天以上."""
    lows = [1, *(edge + 1 for edge in upper_edges[:-1])]
    parts = [text("bucket_current", lang, label=labels[0])]
    parts += [
        text("bucket_range", lang, label=label, low=low, high=high)
        for label, low, high in zip(labels[1:-1], lows, upper_edges, strict=True)
    ]
    parts.append(text("bucket_over", lang, label=labels[-1], days=upper_edges[-1]))
    return text("list_sep", lang).join(parts)


def floor_rules(floors: list[ClassificationFloor], lang: Lang) -> str:
    """The classification floors in words: 超过 7 天至少为关注类；超过 90 天至少为次级类…"""
    return text("list_sep", lang).join(
        text(
            "floor_rule",
            lang,
            days=floor.dpd_over,
            cls=code_label("classification", floor.at_least, lang).lower(),
        )
        for floor in floors
    )


def _english_magnitude(value: Decimal) -> str:
    for size, suffix in ((Decimal(10) ** 9, "bn"), (Decimal(10) ** 6, "m"), (Decimal(1000), "k")):
        if value >= size:
            return f"{_round(value / size):,}{suffix}"
    return f"{_round(value):,}"


def _decimal(value: Decimal | float | None) -> Decimal | None:
    """Exact decimal of a number; None for a missing one (None, NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)
