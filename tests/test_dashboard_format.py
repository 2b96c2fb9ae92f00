"""How figures read: amounts in 万元/亿元 (or ¥ k/m/bn), percentages, KPI cards."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

import pytest

from dashboard import format as fmt
from dashboard.kpis import kpi_cards
from etl.contract import CLASSES
from metrics.asset_quality import AssetQuality

WAN = fmt.Unit(10_000, "万元")


@pytest.mark.parametrize(
    ("yuan", "shown"),
    [
        (Decimal("123456700"), "1.23 亿元"),  # ≥ 1 亿: in 亿元
        (Decimal("100000000"), "1.00 亿元"),
        (Decimal("99999999"), "10,000.00 万元"),  # just below 1 亿, rounded half up
        (Decimal("123456700.00") / 10, "1,234.57 万元"),
        (Decimal("123456789012"), "1,234.57 亿元"),
        (Decimal("5000"), "0.50 万元"),
        (Decimal("50"), "0.01 万元"),  # 0.005 万元 rounds half up, as in bank reports
        (Decimal(0), "0.00 万元"),
        (-1234500.0, "-123.45 万元"),
        (2100000.0, "210.00 万元"),  # floats from frames format the same
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_money_in_chinese(yuan: Decimal | float | None, shown: str) -> None:
    assert fmt.money(yuan, "zh-CN") == shown


@pytest.mark.parametrize(
    ("yuan", "shown"),
    [
        (Decimal("123456700"), "¥123.46m"),
        (Decimal("2500000000"), "¥2.50bn"),
        (Decimal("12345"), "¥12.35k"),
        (Decimal("999.5"), "¥999.50"),
        (Decimal("-2100000"), "-¥2.10m"),
        (None, "—"),
    ],
)
def test_money_in_english(yuan: Decimal | None, shown: str) -> None:
    assert fmt.money(yuan, "en") == shown


def test_percent_and_points() -> None:
    assert fmt.percent(0.404761904) == "40.48%"
    assert fmt.percent(Decimal("0.012345")) == "1.23%"
    assert fmt.percent(0.0) == "0.00%"
    assert fmt.percent(None) == "—"
    assert fmt.percent(float("nan")) == "—"
    assert fmt.points_change(0.2952, "zh-CN") == "+29.52 个百分点"
    assert fmt.points_change(-0.0646, "en") == "-6.46 pp"


def test_amounts_in_a_unit() -> None:
    assert fmt.amount(Decimal("123456789.01"), WAN) == "12,345.68"
    assert fmt.amount_change(Decimal("-2280000"), WAN) == "-228.00"
    assert fmt.amount_change(Decimal("370000"), WAN) == "+37.00"
    assert fmt.count(1234567) == "1,234,567"
    assert fmt.count_change(-3) == "-3"
    assert fmt.count_change(12) == "+12"


def test_units_follow_the_size_of_the_figure() -> None:
    assert fmt.unit_for(Decimal("99999999"), "zh-CN").label == "万元"
    assert fmt.unit_for(Decimal("100000000"), "zh-CN").label == "亿元"
    assert fmt.unit_for(5e8, "en").label == "CNY m"
    assert fmt.unit_for(5e9, "en").label == "CNY bn"
    assert fmt.table_unit("zh-CN") == WAN


def _summary(as_of: date, balances: dict[str, int]) -> AssetQuality:
    """One loan per non-empty class; the figures the cards show, others zero or None."""
    total = Decimal(sum(balances.values()))
    npl = Decimal(balances["substandard"] + balances["doubtful"] + balances["loss"])
    figures = {
        "as_of": as_of,
        "loan_count": len([b for b in balances.values() if b]),
        "total_balance": total,
        "npl_balance": npl,
        "npl_ratio": float(npl / total) if total else None,
        "special_mention_ratio": float(balances["special_mention"] / total) if total else None,
        **{f"balance_{c}": Decimal(b) for c, b in balances.items()},
        **{f"count_{c}": 1 if b else 0 for c, b in balances.items()},
    }
    return AssetQuality(
        **{
            f.name: figures.get(f.name, None if "None" in f.type else 0)
            for f in fields(AssetQuality)
        }
    )


def test_kpi_cards() -> None:
    now = _summary(date(2025, 12, 31), dict(zip(CLASSES, [800, 200, 0, 0, 0], strict=True)))
    before = _summary(date(2025, 11, 30), dict(zip(CLASSES, [800, 100, 100, 0, 0], strict=True)))
    loans, total, npl, npl_ratio, sm_ratio = kpi_cards(now, before, "zh-CN")
    assert (loans.label, loans.value, loans.change) == ("贷款笔数", "2", "-1")
    assert (total.label, total.value, total.change) == ("各项贷款（万元）", "0.10", 0)  # 0: grey
    assert (npl.value, npl.change, npl.colour) == ("0.00", "-0.01", "inverse")
    assert (npl_ratio.value, npl_ratio.change) == ("0.00%", "-10.00 个百分点")
    assert sm_ratio.value == "20.00%"  # 200 / 1,000
    assert "次级" in npl_ratio.help
    first = kpi_cards(now, None, "en")
    assert [k.change for k in first] == [None] * 5  # no previous month, no change shown
    assert first[1].label == "Total loans (CNY m)"


def test_kpi_cards_without_loans() -> None:
    empty = _summary(date(2025, 12, 31), dict.fromkeys(CLASSES, 0))
    cards = kpi_cards(empty, empty, "zh-CN")
    assert [c.value for c in cards] == ["0", "0.00", "0.00", "—", "—"]
    assert cards[3].change is None  # no ratio, no change


def test_exports_never_turn_data_into_formulas() -> None:
    import io
    from decimal import Decimal

    import openpyxl
    import pandas as pd

    from dashboard import exports

    table = pd.DataFrame(
        {
            "客户名称": ['=HYPERLINK("http://x","点我")', "+1-2", "张三"],
            "余额（元）": [Decimal("-5.00"), Decimal("1.50"), Decimal("2.00")],
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx(table, "标题", "sheet")))
    cells = [row[0] for row in book.active.iter_rows(min_row=3, values_only=True)]
    assert cells[0] == '=HYPERLINK("http://x","点我")'  # stored as text, not as a formula
    assert book.active["A3"].data_type == "s"
    text = exports.csv(table).decode("utf-8-sig").splitlines()
    assert text[1].startswith("\"'=HYPERLINK") and text[2].startswith("'+1-2")
    assert text[1].endswith(",-5.00")  # a negative amount stays a number
