"""Download buttons: files built only when clicked, every download in the audit log.

Every export of the dashboard goes through here, so that each one is recorded (user, file,
scope, row count, time) by ``data.core.record_export`` at the moment its file is built.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from daihou.access import User
from dashboard import exports
from dashboard.data.core import record_export
from dashboard.i18n import t
from metrics.scope import Scope

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"


def buttons(
    rows: Callable[[], pd.DataFrame],
    title: str,
    sheet: str,
    file_name: str,
    user: User,
    scope: Scope,
) -> None:
    """An Excel and a CSV button side by side; ``rows`` (headers as shown) runs on click."""

    def file_of(encode: Callable[[pd.DataFrame], bytes]) -> Callable[[], tuple[bytes, int]]:
        def build() -> tuple[bytes, int]:
            frame = rows()
            return encode(frame), len(frame)

        return build

    row = st.container(horizontal=True)
    xlsx = file_of(lambda frame: exports.xlsx(frame, title, sheet))
    button(t("download_xlsx"), xlsx, f"{file_name}.xlsx", user, scope, row)
    button(t("download_csv"), file_of(exports.csv), f"{file_name}.csv", user, scope, row)


def button(
    label: str,
    build: Callable[[], tuple[bytes, int]],
    file_name: str,
    user: User,
    scope: Scope,
    container: st.delta_generator.DeltaGenerator | None = None,
) -> None:
    """One download button; ``build`` returns the file and its data row count, on click."""

    def audited() -> bytes:
        content, count = build()
        record_export(user, scope, file_name, count)
        return content

    (container or st).download_button(
        label,
        audited,
        file_name=file_name,
        mime=XLSX_MIME if file_name.endswith(".xlsx") else CSV_MIME,
        icon=":material/download:",
        on_click="ignore",
        key=file_name,
    )
