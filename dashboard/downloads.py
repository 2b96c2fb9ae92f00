"""Download buttons for a list: Excel and CSV of the same rows, built only when clicked."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import exports
from dashboard.i18n import t

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def buttons(rows: Callable[[], pd.DataFrame], title: str, sheet: str, file_name: str) -> None:
    """An Excel and a CSV button side by side; ``rows`` (headers as shown) runs on click."""
    row = st.container(horizontal=True)
    row.download_button(
        t("download_xlsx"),
        lambda: exports.xlsx(rows(), title, sheet),
        file_name=f"{file_name}.xlsx",
        mime=XLSX_MIME,
        icon=":material/download:",
        on_click="ignore",
        key=f"{file_name}_xlsx",
    )
    row.download_button(
        t("download_csv"),
        lambda: exports.csv(rows()),
        file_name=f"{file_name}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=f"{file_name}_csv",
    )
