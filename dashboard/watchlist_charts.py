"""Plotly figures of the watch-list page; no data access, no Streamlit.

Severities keep one colour each, on the asset-quality scale (高 dark red, 中 orange, 低 amber).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import common_layout, count_axis
from dashboard.i18n import Lang, text
from metrics.watchlist import SEVERITIES

SEVERITY_COLOURS = {"high": "#c62828", "medium": "#ef6c00", "low": "#f2b705"}
_TRIGGER_COLOUR = "#8d3b3b"
_BAR_HEIGHT = 34  # pixels per bar row


def by_trigger(counts: dict[str, int], labels: dict[str, str], lang: Lang) -> go.Figure:
    """Customers per trigger as horizontal bars, in the order of ``counts``, top down.

    ``counts``: trigger -> customers (WatchlistSummary.by_trigger); ``labels``: trigger ->
    readable label.
    """
    names = list(counts)
    fig = go.Figure(
        go.Bar(
            y=[labels[n] for n in names],
            x=[counts[n] for n in names],
            orientation="h",
            marker={"color": _TRIGGER_COLOUR},
            texttemplate="%{x:,}",
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_layout(
        height=80 + _BAR_HEIGHT * len(names),
        xaxis={
            "title": text("wl_axis_customers", lang),
            "rangemode": "tozero",
            **count_axis(max((counts[n] for n in names), default=0)),
        },
        yaxis={"autorange": "reversed", "automargin": True},
        showlegend=False,
        **{**common_layout(), "margin": {"l": 10, "r": 30, "t": 40, "b": 10}},
    )
    return fig


def by_severity(frame: pd.DataFrame, labels: list[str], lang: Lang) -> go.Figure:
    """Customers per unit (an org or a manager) stacked by severity, top down in frame order.

    ``frame``: count_high, count_medium, count_low per row (metrics.watchlist_by_org or
    watchlist_by_manager); ``labels``: a name per row.
    """
    fig = go.Figure()
    for severity in SEVERITIES:
        name = text(f"wl_severity_{severity}", lang)
        fig.add_bar(
            y=labels,
            x=frame[f"count_{severity}"],
            orientation="h",
            name=name,
            marker={"color": SEVERITY_COLOURS[severity]},
            hovertemplate=f"%{{y}} · {name}: %{{x:,}}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=110 + _BAR_HEIGHT * len(labels),
        xaxis={
            "title": text("wl_axis_customers", lang),
            "rangemode": "tozero",
            **count_axis(frame[[f"count_{s}" for s in SEVERITIES]].sum(axis=1).max()),
        },
        yaxis={"autorange": "reversed", "automargin": True},
        **{**common_layout(), "margin": {"l": 10, "r": 30, "t": 40, "b": 10}},
    )
    return fig
