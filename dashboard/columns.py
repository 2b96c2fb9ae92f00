"""st.dataframe column configurations in the house style, labelled in the UI language.

Amount columns carry their unit in the header (万元 / CNY m, see format.table_unit) and show
thousands separators; ratio columns expect percent values (``in_percent``); counts are whole
numbers; a customer column can link to the borrower file.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import format as fmt
from dashboard.i18n import Lang, text

BORROWER_LINK_PATTERN = r"customer=([^&]+)"  # shows the customer id of a borrower_url


def money(key: str, lang: Lang) -> Any:
    """Amounts in the table unit; scale the values with ``in_table_unit``."""
    return st.column_config.NumberColumn(
        text(key, lang, unit=fmt.table_unit(lang).label), format="%,.2f"
    )


def in_table_unit(yuan: pd.Series, lang: Lang) -> pd.Series:
    return yuan.astype("float64") / fmt.table_unit(lang).divisor


def ratio(key: str, lang: Lang) -> Any:
    """A ratio column; its values must be in percent already (``in_percent``)."""
    return st.column_config.NumberColumn(text(key, lang), format="%.2f%%")


def in_percent(ratio_values: pd.Series) -> pd.Series:
    return ratio_values * 100


def count(key: str, lang: Lang) -> Any:
    return st.column_config.NumberColumn(text(key, lang), format="%,d")


def number(key: str, lang: Lang, decimals: int = 1) -> Any:
    return st.column_config.NumberColumn(text(key, lang), format=f"%,.{decimals}f")


def money_label(label_text: str, lang: Lang) -> Any:
    """An amount column in the table unit under a label already in the UI language."""
    unit = fmt.table_unit(lang).label
    return st.column_config.NumberColumn(
        f"{label_text}（{unit}）" if lang == "zh-CN" else f"{label_text} ({unit})", format="%,.2f"
    )


def number_label(label_text: str, decimals: int = 1) -> Any:
    """A number column under a label already in the UI language."""
    return st.column_config.NumberColumn(label_text, format=f"%,.{decimals}f")


def label(key: str, lang: Lang) -> Any:
    return st.column_config.TextColumn(text(key, lang))


def day(key: str, lang: Lang) -> Any:
    return st.column_config.DateColumn(text(key, lang), format="YYYY-MM-DD")


def borrower_link(key: str, lang: Lang) -> Any:
    """A column of links.borrower_url values, shown as the customer id, opening a new tab."""
    return st.column_config.LinkColumn(
        text(key, lang), display_text=BORROWER_LINK_PATTERN, help=text("open_borrower_help", lang)
    )
