"""Plotly figures built from metric frames; no data access, no Streamlit.

The five classes keep one colour everywhere, from green (normal) to dark red (loss), in the
order of CLASSES, so that a reader learns them once.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from dashboard import format as fmt
from dashboard.i18n import Lang, code_label, text
from etl.contract import CLASSES

CLASS_COLOURS: dict[str, str] = {
    "normal": "#2e7d32",
    "special_mention": "#f2b705",
    "substandard": "#ef6c00",
    "doubtful": "#c62828",
    "loss": "#6d1b1b",
}

# CJK fonts first, so that Chinese labels never fall back to boxes.
FONT_FAMILY = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
)


def class_trend(trend: pd.DataFrame, lang: Lang) -> go.Figure:
    """Stacked bars of the balance per class at each month end.

    ``trend``: as_of_date, classification, balance (yuan), loan_count, as from
    metrics.portfolio.class_balance_trend. Bars, not areas: each month end is a snapshot, and
    a single month still shows.
    """
    totals = trend.groupby("as_of_date")["balance"].sum()
    unit = fmt.unit_for(float(totals.max()) if len(totals) else 0.0, lang)
    months = pd.to_datetime(trend["as_of_date"]).dt.strftime("%Y-%m")
    fig = go.Figure()
    for cls in CLASSES:
        rows = trend["classification"] == cls
        label = code_label("classification", cls, lang)
        fig.add_bar(
            x=months[rows],
            y=trend.loc[rows, "balance"] / unit.divisor,
            name=label,
            marker_color=CLASS_COLOURS[cls],
            customdata=trend.loc[rows, "loan_count"],
            hovertemplate=(
                f"{label}: %{{y:,.2f}} {unit.label} · "
                f"%{{customdata:,}} {text('loans_unit', lang)}<extra></extra>"
            ),
        )
    fig.update_layout(
        barmode="stack",
        hovermode="x unified",
        height=380,
        # at most about a dozen month labels, level, whatever the window
        xaxis={
            "type": "category",
            "title": text("axis_month", lang),
            "tickangle": 0,
            "dtick": max(1, math.ceil(months.nunique() / 12)),
        },
        yaxis={"title": text("axis_balance", lang, unit=unit.label), "tickformat": ",.0f"},
        **_common_layout(),
    )
    return fig


def class_structure(classes: pd.DataFrame, lang: Lang) -> go.Figure:
    """A donut of the balance per class, the total in the middle.

    ``classes``: classification, balance (yuan), as from PortfolioSummary.class_frame().
    """
    labels = [code_label("classification", c, lang) for c in classes["classification"]]
    values = classes["balance"].tolist()
    total = sum(values)
    fig = go.Figure(
        go.Pie(
            labels=labels,
            values=values,
            hole=0.6,
            sort=False,
            direction="clockwise",
            marker={"colors": [CLASS_COLOURS[c] for c in classes["classification"]]},
            # no label on an empty class; labels that do not fit are hidden (uniformtext)
            text=[f"{v / total:.2%}" if v else "" for v in values] if total else None,
            texttemplate="%{text}",
            textposition="inside",
            insidetextorientation="horizontal",
            customdata=[fmt.money(b, lang) for b in classes["balance"]],
            hovertemplate="%{label}: %{customdata} (%{percent:.2%})<extra></extra>",
        )
    )
    fig.update_layout(
        height=340,
        uniformtext={"minsize": 10, "mode": "hide"},
        annotations=[
            {
                "text": f"{text('class_total', lang)}<br><b>{fmt.money(total, lang)}</b>",
                "showarrow": False,
                "font": {"size": 14},
            }
        ],
        **_common_layout(),
    )
    return fig


def _common_layout() -> dict:
    return {
        "font": {"family": FONT_FAMILY},
        # best class first, also for stacked bars (plotly reverses those by default)
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "traceorder": "normal",
        },
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    }
