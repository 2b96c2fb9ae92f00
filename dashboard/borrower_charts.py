"""Figures of the borrower file: one loan's monthly history and the obligations timeline.

Built from metrics.borrower frames; no data access, no Streamlit. Classes keep the colours of
dashboard.charts; obligation statuses have one colour each, shared with the page's tables.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from dashboard import format as fmt
from dashboard.charts import AMOUNT_TICKS, CLASS_COLOURS, common_layout
from dashboard.i18n import Lang, code_label, text
from etl.contract import CLASSES

KINDS = ("first", "fund_flow", "routine", "special", "collateral")
STATUSES = ("on_time", "late", "overdue", "pending")
STATUS_COLOURS: dict[str, str] = {
    "on_time": "#2e7d32",
    "late": "#ef6c00",
    "overdue": "#c62828",
    "pending": "#1565c0",
}
_WINDOW = "rgba(120, 120, 120, 0.28)"
_DPD_LINE = "#1f3a93"


def loan_history(history: pd.DataFrame, lang: Lang) -> go.Figure:
    """Bars of one loan's balance at each month end, coloured by its class that month, and its
    days past due as a line on a right-hand axis.

    ``history``: the rows of one loan from metrics.borrower.loan_history.
    """
    largest = float(history["balance"].max()) if len(history) else 0.0
    unit = fmt.unit_for(largest, lang)
    months = pd.to_datetime(history["as_of_date"]).dt.strftime("%Y-%m")
    hover_amount = history["overdue_principal"].map(lambda v: fmt.money(v, lang))
    fig = go.Figure()
    for cls in CLASSES:
        rows = history["classification"] == cls
        if not rows.any():
            continue
        label = code_label("classification", cls, lang)
        fig.add_bar(
            x=months[rows],
            y=history.loc[rows, "balance"] / unit.divisor,
            name=label,
            marker_color=CLASS_COLOURS[cls],
            customdata=hover_amount[rows],
            hovertemplate=(
                f"{label}: %{{y:,.2f}} {unit.label} · "
                f"{text('bw_overdue_principal', lang)} %{{customdata}}<extra></extra>"
            ),
        )
    dpd_name = text("bw_axis_dpd", lang)
    fig.add_scatter(
        x=months,
        y=history["days_past_due"],
        name=dpd_name,
        yaxis="y2",
        mode="lines+markers",
        line={"color": _DPD_LINE, "width": 2},
        marker={"size": 5},
        hovertemplate=f"{dpd_name}: %{{y:,}}<extra></extra>",
    )
    dpd_top = max(int(history["days_past_due"].max()) if len(history) else 0, 30)
    fig.update_layout(
        barmode="relative",
        hovermode="x unified",
        height=360,
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": list(months),
            "title": text("axis_month", lang),
            "tickangle": 0,
            "dtick": max(1, len(months) // 12 + (len(months) % 12 > 0)),
        },
        yaxis={
            "title": text("axis_balance", lang, unit=unit.label),
            "tickformat": AMOUNT_TICKS,
            "rangemode": "tozero",
        },
        yaxis2={
            "title": dpd_name,
            "overlaying": "y",
            "side": "right",
            "range": [0, dpd_top * 1.1],
            "showgrid": False,
            # month-long steps: the delinquency buckets' edges (30, 60, 90 … days)
            "tickmode": "linear",
            "tick0": 0,
            "dtick": 30 * max(1, math.ceil(dpd_top / 240)),
        },
        **common_layout(),
    )
    return fig


def obligation_timeline(
    owed: pd.DataFrame, inspections: pd.DataFrame, as_of: date, lang: Lang
) -> go.Figure:
    """What was owed against what was done, one row per obligation kind and one for the
    inspections.

    Per obligation: a grey band from trigger to due date, a diamond at the due date and a dot
    when met, both in the status colour; a late one has a dashed line from due to met, an
    overdue one a red line from due to ``as_of``. Inspections: filled when they met an
    obligation, hollow otherwise. ``owed``: metrics.borrower.customer_obligations;
    ``inspections``: metrics.borrower.customer_inspections.
    """
    rows = [text(f"bw_kind_{k}", lang) for k in KINDS if k in set(owed["kind"])]
    inspection_row = text("bw_inspections_row", lang)
    owed = owed.assign(row=[text(f"bw_kind_{k}", lang) for k in owed["kind"]])
    fig = go.Figure()
    fig.add_scatter(
        **_segments(owed, "trigger_date", "due_date"),
        mode="lines",
        line={"color": _WINDOW, "width": 10},
        hoverinfo="skip",
        showlegend=False,
    )
    late = owed[owed["status"] == "late"]
    fig.add_scatter(
        **_segments(late, "due_date", "satisfied_date"),
        mode="lines",
        line={"color": STATUS_COLOURS["late"], "width": 2, "dash": "dot"},
        hoverinfo="skip",
        showlegend=False,
    )
    overdue = owed[owed["status"] == "overdue"].assign(until=pd.Timestamp(as_of))
    fig.add_scatter(
        **_segments(overdue, "due_date", "until"),
        mode="lines",
        line={"color": STATUS_COLOURS["overdue"], "width": 2},
        hoverinfo="skip",
        showlegend=False,
    )
    for status in STATUSES:
        these = owed[owed["status"] == status]
        if these.empty:
            continue
        name = text(f"bw_status_{status}", lang)
        fig.add_scatter(
            x=these["due_date"],
            y=these["row"],
            mode="markers",
            name=name,
            legendgroup=status,
            marker={"symbol": "diamond", "size": 11, "color": STATUS_COLOURS[status]},
            customdata=[_describe(r, lang) for r in these.itertuples(index=False)],
            hovertemplate=(
                f"%{{y}} · {text('bw_col_due', lang)} %{{x|%Y-%m-%d}} · {name}"
                "<br>%{customdata}<extra></extra>"
            ),
        )
        met = these.dropna(subset=["satisfied_date"])
        if not met.empty:
            fig.add_scatter(
                x=met["satisfied_date"],
                y=met["row"],
                mode="markers",
                name=name,
                legendgroup=status,
                showlegend=False,
                marker={"symbol": "circle", "size": 8, "color": STATUS_COLOURS[status]},
                customdata=[_met_by(r, lang) for r in met.itertuples(index=False)],
                hovertemplate=(
                    f"%{{y}} · {text('bw_col_done', lang)} %{{x|%Y-%m-%d}}"
                    "<br>%{customdata}<extra></extra>"
                ),
            )
    if len(inspections):
        met_any = inspections["satisfied_kinds"].map(len) > 0
        for filled, these in ((True, inspections[met_any]), (False, inspections[~met_any])):
            if these.empty:
                continue
            fig.add_scatter(
                x=these["inspection_date"],
                y=[inspection_row] * len(these),
                mode="markers",
                name=text("bw_inspection_met" if filled else "bw_inspection_unmatched", lang),
                marker={
                    "symbol": "circle" if filled else "circle-open",
                    "size": 9 if filled else 11,
                    "color": "#37474f" if filled else "#8e24aa",
                    "line": {"width": 2},
                },
                customdata=[_inspection_text(r, lang) for r in these.itertuples(index=False)],
                hovertemplate="%{x|%Y-%m-%d} · %{customdata}<extra></extra>",
            )
        rows.append(inspection_row)
    fig.add_vline(
        x=pd.Timestamp(as_of).timestamp() * 1000,
        line={"color": "#555555", "width": 1, "dash": "dash"},
        annotation={"text": text("bw_as_of_line", lang), "font": {"size": 11}},
        annotation_position="top",
    )
    layout = common_layout()
    # room between the plot and the legend for the data-date label
    layout["legend"] = {**layout["legend"], "y": 1.08}
    layout["margin"] = {**layout["margin"], "t": 64}
    fig.update_layout(
        height=110 + 46 * max(len(rows), 1),
        xaxis={"type": "date", "tickformat": "%Y-%m", "title": None},
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": rows[::-1],  # first kind at the top
            "title": None,
        },
        **layout,
    )
    return fig


def _segments(frame: pd.DataFrame, start: str, end: str) -> dict[str, list]:
    """x and y of one line per row from ``start`` to ``end`` on its ``row``, None between."""
    xs: list = []
    ys: list = []
    for a, b, row in zip(frame[start], frame[end], frame["row"], strict=True):
        xs += [a, b, None]
        ys += [row, row, None]
    return {"x": xs, "y": ys}


def _reason(row: object, lang: Lang) -> str:
    return text(
        f"bw_reason_{row.reason}", lang, ref=row.reason_ref if _given(row.reason_ref) else ""
    )


def _describe(row: object, lang: Lang) -> str:
    """An obligation in words for a hover: why owed, and days late or overdue."""
    parts = [_reason(row, lang)]
    if row.status == "late":
        parts.append(text("bw_days", lang, n=int(row.days_late)))
    elif row.status == "overdue":
        parts.append(text("bw_days", lang, n=int(row.days_overdue)))
    return " · ".join(parts)


def met_by(
    inspection_type: str | None,
    method: str | None,
    inspector: str | None,
    by_appraisal: bool,
    lang: Lang,
) -> str:
    """How an obligation was met: 定期检查 · 现场 · 张三, or 重新评估."""
    if by_appraisal:
        return text("bw_by_appraisal", lang)
    parts = [
        code_label("inspection_type", inspection_type, lang) if _given(inspection_type) else "",
        code_label("inspection_method", method, lang) if _given(method) else "",
        inspector if _given(inspector) else "",
    ]
    return " · ".join(p for p in parts if p)


def _met_by(row: object, lang: Lang) -> str:
    return met_by(
        row.inspection_type, row.inspection_method, row.inspector_name, row.by_appraisal, lang
    )


def _inspection_text(row: object, lang: Lang) -> str:
    parts = [
        code_label("inspection_type", row.inspection_type, lang),
        code_label("inspection_method", row.method, lang),
        row.inspector_name if _given(row.inspector_name) else "",
    ]
    return " · ".join(p for p in parts if p)


def _given(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value))
