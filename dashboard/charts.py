"""Plotly figures built from metric frames; no data access, no Streamlit.

The five classes keep one colour everywhere, from green (normal) to dark red (loss), in the
order of CLASSES, so that a reader learns them once.
"""

from __future__ import annotations

import itertools
import math
from functools import partial

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard import format as fmt
from dashboard.i18n import Lang, code_label, text
from etl.contract import CLASSES, LEAVING_STATUSES

CLASS_COLOURS: dict[str, str] = {
    "normal": "#2e7d32",
    "special_mention": "#f2b705",
    "substandard": "#ef6c00",
    "doubtful": "#c62828",
    "loss": "#6d1b1b",
}

# Roll-rate lines: one distinct colour each (Okabe–Ito, readable for colour-blind readers).
_FLOW_PALETTE = (
    "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000",
    "#999999",
)  # fmt: skip
_FIRST_HIDDEN_FLOW = 4  # roll-rate lines from M4 → M5 on start hidden

# CJK fonts first, so that Chinese labels never fall back to boxes.
FONT_FAMILY = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
)


def class_trend(trend: pd.DataFrame, lang: Lang, month_labels: int = 12) -> go.Figure:
    """Stacked bars of the balance per class at each month end.

    ``trend``: one row per month end with as_of_date, total_balance and balance_<class>,
    count_<class> (yuan, loans), as from metrics.asset_quality.asset_quality_trend. Bars, not
    areas: each month end is a snapshot, and a single month still shows. ``month_labels``: at
    most about that many month labels (fewer for a narrow chart).
    """
    unit = fmt.unit_for(float(trend["total_balance"].max()) if len(trend) else 0.0, lang)
    months = pd.to_datetime(trend["as_of_date"]).dt.strftime("%Y-%m")
    fig = go.Figure()
    for cls in CLASSES:
        label = code_label("classification", cls, lang)
        fig.add_bar(
            x=months,
            y=trend[f"balance_{cls}"] / unit.divisor,
            name=label,
            marker_color=CLASS_COLOURS[cls],
            customdata=trend[f"count_{cls}"],
            hovertemplate=(
                f"{label}: %{{y:,.2f}} {unit.label} · "
                f"%{{customdata:,}} {text('loans_unit', lang)}<extra></extra>"
            ),
        )
    fig.update_layout(
        barmode="stack",
        hovermode="x unified",
        height=380,
        xaxis=_month_axis(months.nunique(), lang, month_labels),
        yaxis={"title": text("axis_balance", lang, unit=unit.label), "tickformat": AMOUNT_TICKS},
        **common_layout(),
    )
    return fig


def class_structure(classes: pd.DataFrame, lang: Lang) -> go.Figure:
    """A donut of the balance per class, the total in the middle.

    ``classes``: classification, balance (yuan), as from AssetQuality.class_frame().
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
        **common_layout(),
    )
    return fig


def class_share_by_org(by_org: pd.DataFrame, labels: list[str], lang: Lang) -> go.Figure:
    """Horizontal bars of each unit's special-mention and NPL classes as shares of its total
    loans, units in table order, top down: the NPL part of a bar is its NPL ratio. Normal, the
    rest of each bar, is left out so that the classes that matter are wide enough to compare.

    ``by_org``: as from metrics.asset_quality.asset_quality_by_org; ``labels``: a name per row.
    A unit with nothing on the book has an empty bar.
    """
    totals = by_org["total_balance"].where(by_org["total_balance"] > 0)
    fig = go.Figure()
    for cls in CLASSES[1:]:
        label = code_label("classification", cls, lang)
        fig.add_bar(
            y=labels,
            x=by_org[f"balance_{cls}"] / totals,
            orientation="h",
            name=label,
            marker_color=CLASS_COLOURS[cls],
            customdata=[fmt.money(b, lang) for b in by_org[f"balance_{cls}"]],
            hovertemplate=f"{label}: %{{x:.2%}} · %{{customdata}}<extra>%{{y}}</extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=90 + 30 * len(labels),
        xaxis={"title": text("axis_share", lang), "tickformat": ".1%", "rangemode": "tozero"},
        yaxis={"autorange": "reversed", "automargin": True},
        **common_layout(),
    )
    return fig


def ratio_trend(trend: pd.DataFrame, lang: Lang, month_labels: int = 12) -> go.Figure:
    """Lines of the NPL, special-mention and overdue ratios at each month end (§1).

    ``trend``: as from metrics.asset_quality.asset_quality_trend.
    """
    months = pd.to_datetime(trend["as_of_date"]).dt.strftime("%Y-%m")
    fig = go.Figure()
    for column, key, colour in (
        ("npl_ratio", "kpi_npl_ratio", CLASS_COLOURS["doubtful"]),
        ("special_mention_ratio", "kpi_sm_ratio", CLASS_COLOURS["special_mention"]),
        ("overdue_ratio", "kpi_overdue_ratio", "#1565c0"),
    ):
        name = text(key, lang)
        fig.add_scatter(
            x=months,
            y=trend[column],
            name=name,
            mode="lines+markers",
            marker={"size": 4},
            line={"color": colour, "width": 2},
            hovertemplate=f"{name}: %{{y:.2%}}<extra></extra>",
        )
    fig.update_layout(
        hovermode="x unified",
        height=380,
        xaxis=_month_axis(months.nunique(), lang, month_labels),
        yaxis={"title": text("axis_ratio", lang), "tickformat": ".2%", "rangemode": "tozero"},
        **common_layout(),
    )
    return fig


def migration_heatmap(
    matrix: pd.DataFrame, measure: str, lang: Lang, opening: str, closing: str
) -> go.Figure:
    """The five-class migration matrix (§2): rows class at t0, columns state at t1.

    ``matrix``: as from metrics.migration.migration_matrix; ``measure``: opening_balance,
    closing_balance or loan_count. Cells show the measure (amounts in 万元 / CNY m) and the
    count; the colour is the cell's share of its row, so that rows of different size compare.
    """
    states = [*CLASSES, *LEAVING_STATUSES]
    values = _grid(matrix, "from_class", "to_state", measure, CLASSES, states)
    counts = _grid(matrix, "from_class", "to_state", "loan_count", CLASSES, states)
    shares = values.div(values.sum(axis=1).where(lambda s: s > 0), axis=0)
    unit = fmt.table_unit(lang)
    loans = text("loans_unit", lang)
    shown = values.map(fmt.count if measure == "loan_count" else partial(fmt.amount, unit=unit))
    cells = shown.where(counts > 0, "")
    if measure == "loan_count":
        hover = shown + f" {loans}"
    else:
        cells = cells.where(counts == 0, cells + "<br>" + counts.map(fmt.count))
        hover = shown + f" {unit.label} · " + counts.map(fmt.count) + f" {loans}"
    return _heatmap(
        shares,
        cells,
        hover,
        x=[_state_label(s, lang) for s in states],
        y=[code_label("classification", c, lang) for c in CLASSES],
        x_title=text("axis_to_state", lang, date=closing),
        y_title=text("axis_from_class", lang, date=opening),
        row_height=80,  # as tall as the five rate cards beside it
        lang=lang,
    )


def transition_heatmap(
    matrix: pd.DataFrame, basis: str, buckets: list[str], lang: Lang, previous: str, now: str
) -> go.Figure:
    """The month-on-month bucket transition matrix (§3) as row shares.

    ``matrix``: as from metrics.roll_rates.transition_matrix; ``basis``: count or balance.
    Cells show the row share and the count; every bucket is a row, empty ones blank.
    """
    states = [*buckets, *LEAVING_STATUSES]
    shares = _grid(matrix, "from_bucket", "to_state", f"{basis}_share", buckets, states)
    counts = _grid(matrix, "from_bucket", "to_state", "loan_count", buckets, states)
    balances = _grid(matrix, "from_bucket", "to_state", "balance", buckets, states)
    has_row = counts.sum(axis=1) > 0
    shares = shares.where(has_row, other=float("nan"), axis=0)
    percent = shares.map(fmt.percent)
    cells = (percent + "<br>" + counts.map(fmt.count)).where(counts > 0, "")
    hover = (
        percent
        + " · "
        + counts.map(fmt.count)
        + f" {text('loans_unit', lang)} · "
        + balances.map(lambda v: fmt.money(v, lang))
    )
    return _heatmap(
        shares,
        cells,
        hover,
        x=[_state_label(s, lang) for s in states],
        y=buckets,
        x_title=text("axis_to_bucket", lang, date=now),
        y_title=text("axis_from_bucket", lang, date=previous),
        row_height=52,
        lang=lang,
    )


def roll_rate_trend(
    trend: pd.DataFrame, buckets: list[str], lang: Lang, month_labels: int = 12
) -> go.Figure:
    """Roll rates M1 → M2 onwards (by balance) and the M1 cure rate (by count), per month (§3).

    Flows past M3 → M4 (the §8 set) start hidden, a click on the legend away, so that the lines
    drawn stay apart. ``trend``: as from metrics.roll_rates.flow_rate_trend.
    """
    flows = _flow_names(trend, buckets)
    lines = dict(list(flows.items())[1:])
    lines["cure_rate_m1"] = text("cure_rate", lang)
    hidden = set(list(flows)[_FIRST_HIDDEN_FLOW:])
    return _rate_lines(trend, lines, hidden, ".0%", lang, month_labels)


def entry_rate_trend(
    trend: pd.DataFrame, buckets: list[str], lang: Lang, month_labels: int = 12
) -> go.Figure:
    """The small rates out of M0, per month (§3): roll rate M0 → M1 and the entry rate (M0 to
    any overdue bucket), both by balance; apart from the others so that their scale shows."""
    first, name = next(iter(_flow_names(trend, buckets).items()))
    lines = {first: name, "entry_rate": text("entry_rate", lang)}
    return _rate_lines(trend, lines, set(), ".2%", lang, month_labels)


def vintage_curves(curves: pd.DataFrame, basis: str, lang: Lang) -> go.Figure:
    """One line per cohort, x = MOB (§4), coloured along one scale from the oldest cohort shown
    (dark) to the newest (light); the legend is grouped by year of disbursement.

    ``curves``: as from metrics.vintage.vintage_curves, cut to the cohorts to show; ``basis``:
    current_amount (numerator and denominator in yuan) or ever_count (in loans).
    """
    cohorts = sorted(curves["cohort_month"].unique())
    steps = [0.85 * i / max(len(cohorts) - 1, 1) for i in range(len(cohorts))]
    colours = sample_colorscale("Viridis", steps) if cohorts else []
    parts = (lambda v: fmt.money(v, lang)) if basis == "current_amount" else _count_of
    fig = go.Figure()
    for cohort, colour in zip(cohorts, colours, strict=True):
        when = pd.Timestamp(cohort)
        rows = curves[curves["cohort_month"] == cohort]
        name = when.strftime("%Y-%m")
        fig.add_scatter(
            x=rows["mob"],
            y=rows["value"],
            name=name,
            mode="lines+markers",  # a cohort with one MOB is a dot
            marker={"size": 4},
            line={"color": colour, "width": 2},
            legendgroup=str(when.year),
            legendgrouptitle={"text": text("cohort_year", lang, year=when.year)},
            customdata=rows["numerator"].map(parts) + " / " + rows["denominator"].map(parts),
            hovertemplate=f"{name} · MOB %{{x}}: %{{y:.2%}} (%{{customdata}})<extra></extra>",
        )
    max_mob = int(curves["mob"].max()) if len(curves) else 0
    layout = common_layout()
    layout["legend"] = {"orientation": "v", "x": 1.01, "y": 1, "groupclick": "toggleitem"}
    fig.update_layout(
        height=460,
        xaxis={
            "title": text("axis_mob", lang),
            "dtick": 1 if max_mob <= 24 else 3,
            "rangemode": "tozero",
        },
        yaxis={"title": text("axis_delinquency", lang), "tickformat": ".1%", "rangemode": "tozero"},
        **layout,
    )
    return fig


def _heatmap(
    z: pd.DataFrame,
    cells: pd.DataFrame,
    hover: pd.DataFrame,
    *,
    x: list[str],
    y: list[str],
    x_title: str,
    y_title: str,
    row_height: int,
    lang: Lang,
) -> go.Figure:
    """A matrix with its figures written in the cells, coloured by row share (0–100%)."""
    fig = go.Figure(
        go.Heatmap(
            z=z.to_numpy(),
            x=x,
            y=y,
            text=cells.to_numpy(),
            texttemplate="%{text}",
            textfont={"size": 12},
            customdata=hover.to_numpy(),
            hovertemplate=(
                f"%{{y}} → %{{x}}: %{{customdata}} · {text('row_share', lang)} %{{z:.2%}}"
                "<extra></extra>"
            ),
            colorscale="Blues",
            zmin=0,
            zmax=1,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": text("row_share", lang)}, "tickformat": ".0%"},
        )
    )
    fig.update_layout(
        height=110 + row_height * len(y),
        xaxis={"title": x_title, "side": "top", "type": "category"},
        yaxis={"title": y_title, "autorange": "reversed", "type": "category"},
        **{**common_layout(), "margin": {"l": 10, "r": 10, "t": 10, "b": 10}},
    )
    return fig


def _grid(
    frame: pd.DataFrame, rows: str, columns: str, values: str, row_keys: list, column_keys: list
) -> pd.DataFrame:
    """A long frame as a full rows × columns grid, 0 where it has no cell."""
    grid = frame.pivot_table(index=rows, columns=columns, values=values, aggfunc="sum")
    grid = grid.reindex(index=row_keys, columns=column_keys).fillna(0)
    return grid.astype(frame[values].dtype)  # counts stay integers


def _state_label(state: str, lang: Lang) -> str:
    """A column of a transition matrix: a class or bucket as is, a way off the book labelled."""
    if state in LEAVING_STATUSES:
        return code_label("loan_status", state, lang)
    if state in CLASSES:
        return code_label("classification", state, lang)
    return state


def _count_of(n: float) -> str:
    return fmt.count(round(n))


def _flow_names(trend: pd.DataFrame, buckets: list[str]) -> dict[str, str]:
    """The by-balance flow columns of a flow_rate_trend frame, in bucket order: M0→M1, …"""
    flows = [c for c in trend.columns if c.startswith("flow_rate_") and "_by_count" not in c]
    return {
        column: f"{a}→{b}"
        for column, (a, b) in zip(flows, itertools.pairwise(buckets), strict=True)
    }


def _rate_lines(
    trend: pd.DataFrame,
    lines: dict[str, str],
    hidden: set[str],
    tickformat: str,
    lang: Lang,
    month_labels: int,
) -> go.Figure:
    """One line per column of ``lines`` (column -> name) over the months that have any."""
    trend = trend.dropna(subset=list(lines), how="all")
    months = pd.to_datetime(trend["month_end"]).dt.strftime("%Y-%m")
    fig = go.Figure()
    for i, (column, name) in enumerate(lines.items()):
        fig.add_scatter(
            x=months,
            y=trend[column],
            name=name,
            mode="lines+markers",
            marker={"size": 4},
            line={
                "color": _FLOW_PALETTE[i % len(_FLOW_PALETTE)],
                "width": 2,
                # dashed: the rates that read against the flows (and may lie on top of one)
                "dash": "dash" if column in ("cure_rate_m1", "entry_rate") else "solid",
            },
            visible="legendonly" if column in hidden else True,
            hovertemplate=f"{name}: %{{y:.2%}}<extra></extra>",
        )
    fig.update_layout(
        hovermode="x unified",
        height=400,
        xaxis=_month_axis(months.nunique(), lang, month_labels),
        yaxis={"tickformat": tickformat, "rangemode": "tozero"},
        **common_layout(),
    )
    return fig


# Amount ticks: 0.2 and 1.5 (亿元) as they are, 12,000 (万元) without decimals.
AMOUNT_TICKS = ",.6~g"


def count_axis(largest: float) -> dict:
    """Tick settings of an axis of counts: whole numbers only (a step of 1 when they are few,
    where plotly would otherwise put ticks at 0.5 and round them to repeated labels; NaN, from
    an empty frame, counts as many)."""
    return {"tickformat": ",d", **({"dtick": 1} if largest <= 10 else {})}


def common_layout() -> dict:
    """The house layout: CJK font, legend in a row above the plot, narrow margins."""
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


def _month_axis(months: int, lang: Lang, labels: int = 12) -> dict:
    """A month-end category axis: at most about ``labels`` month labels, level, whatever the
    window."""
    return {
        "type": "category",
        "title": text("axis_month", lang),
        "tickangle": 0,
        "dtick": max(1, math.ceil(months / labels)),
    }
