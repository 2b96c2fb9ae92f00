"""Downloads bank staff open in Excel: a title row, headers in the UI language, amounts in yuan.

Pure functions of a frame, so a file's content is unit-tested without Streamlit. Amounts are
yuan rounded half up to the fen (as in bank reports); Excel gets numbers with a 2-decimal
format, the CSV plain numbers with 2 decimals, UTF-8 with a BOM so that Excel reads Chinese.
"""

from __future__ import annotations

import io
import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import xlsxwriter

from dashboard.i18n import Lang, code_label, text

_FEN = Decimal("0.01")
_MAX_WIDTH = 40  # characters; longer texts wrap in the cell


def floor_breaches(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The §1 breach list as exported: headers and codes in ``lang``, balance in yuan."""
    return pd.DataFrame(
        {
            text("col_loan_id", lang): frame["loan_id"],
            text("col_customer_id", lang): frame["customer_id"],
            text("col_customer_name", lang): frame["customer_name"],
            text("col_customer_type", lang): [
                code_label("customer_type", c, lang) for c in frame["customer_type"]
            ],
            text("col_org", lang): frame["org_name"],
            text("col_manager", lang): frame["manager_id"],
            text("col_product", lang): [code_label("product", p, lang) for p in frame["product"]],
            text("col_balance_yuan", lang): [_fen(b) for b in frame["balance"]],
            text("col_dpd", lang): frame["days_past_due"],
            text("col_reported_class", lang): [
                code_label("classification", c, lang) for c in frame["classification"]
            ],
            text("col_floor_class", lang): [
                code_label("classification", c, lang) for c in frame["floor_class"]
            ],
        }
    )


def xlsx(table: pd.DataFrame, title: str, sheet: str) -> bytes:
    """One sheet: ``title`` in the first row, the headers in the second, then the rows.

    Decimal cells (amounts) are written as numbers in the #,##0.00 format.
    """
    out = io.BytesIO()
    # data is never code: a customer name "=HYPERLINK(…)" stays text, not a formula
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd",  # else Excel shows a date as a serial number
    }
    with xlsxwriter.Workbook(out, options) as book:
        ws = book.add_worksheet(sheet)
        money = book.add_format({"num_format": "#,##0.00"})
        header = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
        title_format = book.add_format({"bold": True, "font_size": 12})
        last = max(len(table.columns) - 1, 0)
        if last:
            ws.merge_range(0, 0, 0, last, title, title_format)
        else:
            ws.write(0, 0, title, title_format)
        ws.write_row(1, 0, [str(c) for c in table.columns], header)
        for r, row in enumerate(table.itertuples(index=False), start=2):
            for c, value in enumerate(row):
                if isinstance(value, Decimal):
                    ws.write_number(r, c, float(value), money)
                elif _missing(value):
                    ws.write_blank(r, c, None)
                else:
                    ws.write(r, c, value)
        for c, column in enumerate(table.columns):
            cells = [str(column), *(str(v) for v in table[column])]
            ws.set_column(c, c, min(_MAX_WIDTH, max(_width(v) for v in cells) + 2))
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, len(table) + 1, last)
    return out.getvalue()


def csv(table: pd.DataFrame) -> bytes:
    """The table as CSV, UTF-8 with BOM (Excel's cue for Unicode); amounts with 2 decimals.

    Text that Excel would run as a formula (leading = + - @) gets a leading apostrophe, the
    usual guard against CSV injection; numbers are untouched.
    """
    out = io.StringIO()
    table.map(_inert).to_csv(out, index=False)
    return out.getvalue().encode("utf-8-sig")


def _inert(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _fen(yuan: float | None) -> Decimal | None:
    if yuan is None or math.isnan(yuan):
        return None
    return Decimal(str(yuan)).quantize(_FEN, rounding=ROUND_HALF_UP)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _width(value: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)
