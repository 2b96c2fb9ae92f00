"""Tables and charts of the HR page (绩效考核): metrics.scores frames as HR reads them.

Counts, amounts and scores only: no borrower is named anywhere on the page.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import columns as col
from dashboard import hr_exports
from dashboard.charts import common_layout
from dashboard.i18n import Lang, code_label, text
from dashboard.tables import Table
from metrics.scores import COMPONENTS

_MONEY = ("recovery",)  # components whose numerator and denominator are yuan


def ranking(frame: pd.DataFrame, previous: pd.DataFrame, lang: Lang, key: str) -> Table:
    """One row per manager (key "manager_id") or org ("org_id"): rank, total, change against
    the previous period, each component's score, status."""
    before = previous.set_index(key)["total"] if len(previous) else pd.Series(dtype=float)
    totals = frame["total"].astype(float)
    rank = totals.rank(method="min", ascending=False)
    shown = pd.DataFrame(
        {
            "rank": rank.astype("Int64"),
            "name": frame["manager_name" if key == "manager_id" else "org_name"],
            "id": frame[key],
            **({"org_name": frame["org_name"]} if key == "manager_id" else {}),
            "total": totals,
            "change": totals - frame[key].map(before).astype(float),
            **{c: frame[f"{c}_score"].astype(float) for c in COMPONENTS},
            "status": [status(r, reason, lang) for r, reason in _rated(frame)],
        }
    )
    component_columns = {
        c: col.number_label(text(f"hr_component_{c}", lang), 2) for c in COMPONENTS
    }
    return Table(
        shown,
        {
            "rank": col.count("hr_col_rank", lang),
            "name": col.label("hr_col_manager" if key == "manager_id" else "hr_col_org", lang),
            "id": col.label("hr_col_manager_id" if key == "manager_id" else "hr_col_org_id", lang),
            "org_name": col.label("hr_col_org", lang),
            "total": col.number("hr_col_total", lang, 2),
            "change": col.number("hr_col_change", lang, 2),
            **component_columns,
            "status": col.label("hr_col_status", lang),
        },
    )


def breakdown(row: pd.Series, lang: Lang) -> Table:
    """One manager's score explained: per component its parts, raw figure, score, weight and
    what it adds to the total."""
    rows = []
    for c in COMPONENTS:
        score, weight = row[f"{c}_score"], row[f"{c}_weight"]
        rows.append(
            {
                "component": text(f"hr_component_{c}", lang),
                "numerator": _part(row[f"{c}_numerator"], c, f"hr_numerator_{c}", lang),
                "denominator": _part(row[f"{c}_denominator"], c, f"hr_denominator_{c}", lang),
                "raw": None if pd.isna(row[f"{c}_raw"]) else row[f"{c}_raw"] * 100,
                "score": None if pd.isna(score) else score,
                "weight": weight,
                "points": None if pd.isna(score) else round(score * weight / 100, 2),
            }
        )
    return Table(
        pd.DataFrame(rows),
        {
            "component": col.label("hr_col_component", lang),
            "numerator": col.label("hr_col_numerator", lang),
            "denominator": col.label("hr_col_denominator", lang),
            "raw": col.ratio("hr_col_raw", lang),
            "score": col.number("hr_score", lang, 2),
            "weight": col.number("hr_col_effective_weight", lang, 2),
            "points": col.number("hr_col_points", lang, 2),
        },
    )


def obligations(frame: pd.DataFrame, lang: Lang) -> Table:
    """The obligations behind timeliness: kind, dates, status and days; no customer."""
    shown = pd.DataFrame(
        {
            "kind": [code_label("inspection_type", k, lang) for k in frame["kind"]],
            "trigger_date": frame["trigger_date"].dt.date,
            "due_date": frame["due_date"].dt.date,
            "status": [text(f"hr_obligation_{s}", lang) for s in frame["status"]],
            "days": frame["days_late"].fillna(frame["days_overdue"]).astype("Int64"),
        }
    )
    return Table(
        shown,
        {
            "kind": col.label("ins_col_kind", lang),
            "trigger_date": col.day("ins_col_trigger_date", lang),
            "due_date": col.day("ins_col_due_date", lang),
            "status": col.label("hr_col_obligation_status", lang),
            "days": col.count("hr_col_days_late_or_overdue", lang),
        },
    )


def items(frame: pd.DataFrame, component: str, lang: Lang) -> Table:
    """The loans (or, for warning handling, the signals) behind one manager's component, with
    the manager's share of each numerator and denominator."""
    money = component != "warning_handling"
    figure = (
        (lambda key: col.money_label(text(key, lang), lang))
        if money
        else (lambda key: col.number_label(text(key, lang), 2))
    )
    shown = frame.assign(
        numerator=col.in_table_unit(frame["numerator"], lang) if money else frame["numerator"],
        denominator=col.in_table_unit(frame["denominator"], lang)
        if money
        else frame["denominator"],
    )
    return Table(
        shown,
        {
            "item": col.label("hr_col_signal" if not money else "hr_col_loan", lang),
            "numerator": figure(f"hr_numerator_{component}"),
            "denominator": figure(f"hr_denominator_{component}"),
        },
    )


def distribution(frame: pd.DataFrame, threshold: float, lang: Lang) -> go.Figure:
    """Histogram of the rated managers' totals in 5-point bins, the bonus threshold marked."""
    totals = frame.loc[frame["rated"].astype(bool), "total"].astype(float)
    fig = go.Figure()
    fig.add_histogram(
        x=totals,
        xbins={"start": 0, "end": 100.001, "size": 5},
        marker={"color": "#0072b2"},
        hovertemplate=text("hr_hist_hover", lang) + "<extra></extra>",
    )
    fig.add_vline(
        x=threshold,
        line={"color": "#c62828", "dash": "dash"},
        annotation_text=text("hr_threshold_mark", lang, threshold=threshold),
        annotation_position="top",
    )
    fig.update_layout(
        height=320,
        bargap=0.05,
        xaxis={"title": text("hr_col_total", lang), "range": [0, 100]},
        yaxis={"title": text("hr_axis_managers", lang)},
        **common_layout(),
    )
    return fig


def status(rated: bool, reason: object, lang: Lang) -> str:
    if rated:
        return text("hr_status_rated", lang)
    return (
        text(f"hr_reason_{reason}", lang)
        if isinstance(reason, str)
        else text("hr_status_not_rated", lang)
    )


def _rated(frame: pd.DataFrame) -> list[tuple[bool, object]]:
    return list(zip(frame["rated"].astype(bool), frame["not_rated_reason"], strict=True))


def _part(value: object, component: str, key: str, lang: Lang) -> str:
    """A raw figure's part with what it counts: 18 按时完成数 · 1,234,567.89 元."""
    if value is None or pd.isna(value):
        return "—"
    amount = f"{float(value):,.2f}" if component in _MONEY else f"{float(value):,.0f}"
    return f"{amount} {text(key, lang)}"


def bonus(allocation: pd.DataFrame, lang: Lang) -> Table:
    """The allocation as the export words it, amounts in yuan with thousands separators."""
    frame = hr_exports.bonus_table(allocation, lang)
    config: dict[str, object] = {}
    for name in frame.columns:
        values = frame[name]
        if values.map(lambda v: isinstance(v, Decimal)).any():
            frame[name] = values.map(lambda v: float(v) if isinstance(v, Decimal) else None)
            config[name] = st.column_config.NumberColumn(name, format="%,.2f")
        elif values.dtype == object:
            frame[name] = values.map(lambda v: "" if v is None else v)
    return Table(frame, config)
