"""Plotly figures of the inspection page; no data access, no Streamlit.

Statuses keep one colour each (on time green, late amber, overdue red), as in the borrower
file's timeline.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import common_layout, count_axis
from dashboard.i18n import Lang, text

STATUS_COLOURS = {"on_time": "#2e7d32", "late": "#f2a900", "overdue": "#c62828"}
_RATE_COLOURS = {"on_time_rate": "#0072b2", "completion_rate": "#56b4e9"}


def rates_by_org(frame: pd.DataFrame, labels: list[str], lang: Lang) -> go.Figure:
    """On-time and completion rate per unit, as horizontal bars (units top to bottom)."""
    fig = go.Figure()
    for column, key in (
        ("on_time_rate", "ins_col_on_time_rate"),
        ("completion_rate", "ins_col_completion_rate"),
    ):
        name = text(key, lang)
        fig.add_bar(
            y=labels,
            x=frame[column],
            name=name,
            orientation="h",
            marker={"color": _RATE_COLOURS[column]},
            texttemplate="%{x:.1%}",
            textposition="outside",
            hovertemplate=f"%{{y}}<br>{name}: %{{x:.2%}}<extra></extra>",
        )
    fig.update_layout(
        barmode="group",
        height=120 + 44 * len(labels),
        xaxis={"tickformat": ".0%", "range": [0, 1.12]},
        yaxis={"autorange": "reversed", "automargin": True},
        **common_layout(),
    )
    return fig


def trend(frame: pd.DataFrame, lang: Lang) -> go.Figure:
    """Obligations due per month by status (stacked bars) and the on-time rate (line)."""
    months = pd.to_datetime(frame["due_month"]).dt.strftime("%Y-%m")
    fig = go.Figure()
    for status, key in (
        ("on_time", "ins_col_on_time"),
        ("late", "ins_col_late"),
        ("overdue", "ins_col_overdue"),
    ):
        name = text(key, lang)
        fig.add_bar(
            x=months,
            y=frame[status],
            name=name,
            marker={"color": STATUS_COLOURS[status]},
            hovertemplate=f"{name}: %{{y:,}}<extra></extra>",
        )
    for column, key in (
        ("on_time_rate", "ins_col_on_time_rate"),
        ("completion_rate", "ins_col_completion_rate"),
    ):
        name = text(key, lang)
        fig.add_scatter(
            x=months,
            y=frame[column],
            name=name,
            yaxis="y2",
            mode="lines+markers",
            marker={"size": 5},
            line={"color": _RATE_COLOURS[column], "width": 2},
            hovertemplate=f"{name}: %{{y:.2%}}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        hovermode="x unified",
        height=400,
        xaxis={"type": "category", "title": text("axis_month", lang), "tickangle": 0},
        yaxis={
            "title": text("ins_axis_obligations", lang),
            **count_axis(frame[["on_time", "late", "overdue"]].sum(axis=1).max()),
        },
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, 1.05],
            "showgrid": False,
            # its own round steps: an overlaying axis otherwise takes the bars' gridlines
            # (0%, 19%, 37% … against 0, 200, 400 obligations)
            "tickmode": "linear",
            "tick0": 0,
            "dtick": 0.2,
        },
        **common_layout(),
    )
    return fig
