"""Display tables: metric frames turned into labelled, unit-scaled, formatted st.dataframe input.

Amount columns are scaled to one unit per column (万元 / CNY m) and shown with thousands
separators; ratios as percentages; missing figures as "—" (never "None"); codes as labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import columns as col
from dashboard import format as fmt
from dashboard.i18n import (
    Lang,
    code_label,
    column_label,
    entity_label,
    load_status_label,
    text,
)
from dashboard.links import borrower_url
from metrics.asset_quality import AssetQuality
from metrics.migration import RATED_CLASSES, MigrationRates

_ROW_COUNTS = ("rows_read", "rows_loaded", "rows_rejected")


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame
    columns: dict[str, Any]  # st.dataframe column_config


def show(table: Table, **kwargs: Any) -> Any:
    """st.dataframe with the house defaults; returns what st.dataframe returns."""
    return st.dataframe(
        table.frame,
        column_config=table.columns,
        hide_index=True,
        placeholder=fmt.MISSING,
        **kwargs,
    )


def class_structure(summary: AssetQuality, lang: Lang) -> Table:
    """The five classes and their total: count, balance, share of balance."""
    classes = summary.class_frame()
    total = pd.DataFrame(
        {
            "classification": [None],
            "loan_count": [summary.loan_count],
            "balance": [float(summary.total_balance)],
            "share": [1.0 if summary.total_balance else None],
        }
    )
    frame = pd.concat([classes, total], ignore_index=True)
    frame["classification"] = [
        code_label("classification", c, lang) if c else text("class_total", lang)
        for c in frame["classification"]
    ]
    frame["balance"] = col.in_table_unit(frame["balance"], lang)
    frame["share"] = col.in_percent(frame["share"])
    return Table(
        frame,
        {
            "classification": col.label("col_class", lang),
            "loan_count": col.count("col_loan_count", lang),
            "balance": col.money("col_balance", lang),
            "share": col.ratio("col_share", lang),
        },
    )


def children(frame: pd.DataFrame, lang: Lang) -> Table:
    """One row per sub-unit, as from dashboard.data.children_breakdown."""
    shown = pd.DataFrame(
        {
            "org_name": frame["org_name"],
            "level": [code_label("org_level", v, lang) for v in frame["level"]],
            "loan_count": frame["loan_count"],
            "total_balance": col.in_table_unit(frame["total_balance"], lang),
            "npl_balance": col.in_table_unit(frame["npl_balance"], lang),
            "npl_ratio": col.in_percent(frame["npl_ratio"]),
            "special_mention_ratio": col.in_percent(frame["special_mention_ratio"]),
        }
    )
    return Table(
        shown,
        {
            "org_name": col.label("col_org", lang),
            "level": col.label("col_level", lang),
            "loan_count": col.count("col_loan_count", lang),
            "total_balance": col.money("col_total_balance", lang),
            "npl_balance": col.money("col_npl_balance", lang),
            "npl_ratio": col.ratio("col_npl_ratio", lang),
            "special_mention_ratio": col.ratio("col_sm_ratio", lang),
        },
    )


def quality_by_org(frame: pd.DataFrame, lang: Lang) -> Table:
    """One row per sub-unit and one for the org's own book, as from
    dashboard.data.asset_quality_by_org; the rows add up to the org's total."""
    shown = pd.DataFrame(
        {
            "org_name": org_unit_labels(frame, lang),
            "level": [
                "" if own else code_label("org_level", v, lang)
                for v, own in zip(frame["level"], frame["is_own_book"], strict=True)
            ],
            "loan_count": frame["loan_count"],
            "total_balance": col.in_table_unit(frame["total_balance"], lang),
            "npl_balance": col.in_table_unit(frame["npl_balance"], lang),
            "npl_ratio": col.in_percent(frame["npl_ratio"]),
            "special_mention_ratio": col.in_percent(frame["special_mention_ratio"]),
            "overdue_ratio": col.in_percent(frame["overdue_ratio"]),
            "floor_breach_count": frame["floor_breach_count"],
        }
    )
    return Table(
        shown,
        {
            "org_name": col.label("col_org", lang),
            "level": col.label("col_level", lang),
            "loan_count": col.count("col_loan_count", lang),
            "total_balance": col.money("col_total_balance", lang),
            "npl_balance": col.money("col_npl_balance", lang),
            "npl_ratio": col.ratio("col_npl_ratio", lang),
            "special_mention_ratio": col.ratio("col_sm_ratio", lang),
            "overdue_ratio": col.ratio("col_overdue_ratio", lang),
            "floor_breach_count": col.count("col_breaches", lang),
        },
    )


def org_unit_labels(frame: pd.DataFrame, lang: Lang) -> list[str]:
    """Names of the rows of asset_quality_by_org: a sub-unit's name, or 本级（…直接经办）."""
    return [
        text("own_book", lang, org=name) if own else name
        for name, own in zip(frame["org_name"], frame["is_own_book"], strict=True)
    ]


def migration_rates(rates: MigrationRates, lang: Lang) -> Table:
    """The §2 rates with their parts: numerator, denominator, opening, period reduction."""
    rows = [
        (
            text("mig_rate", lang, cls=code_label("classification", c.from_class, lang)),
            c.rate,
            c.downward_amount,
            c.denominator,
            c.opening_balance,
            c.period_reduction,
        )
        for c in (rates.of(cls) for cls in RATED_CLASSES)
    ]
    rows.append(
        (
            text("mig_performing", lang),
            rates.performing_migration_rate,
            rates.performing_numerator,
            rates.performing_denominator,
            None,
            None,
        )
    )
    frame = pd.DataFrame(
        rows,
        columns=["figure", "rate", "numerator", "denominator", "opening", "reduction"],
    )
    amounts = ["numerator", "denominator", "opening", "reduction"]
    frame[amounts] = frame[amounts].astype("float64")
    frame["rate"] = col.in_percent(frame["rate"].astype("float64"))
    for column in amounts:
        frame[column] = col.in_table_unit(frame[column], lang)
    return Table(
        frame,
        {
            "figure": col.label("col_indicator", lang),
            "rate": col.ratio("col_rate", lang),
            "numerator": col.money("col_numerator", lang),
            "denominator": col.money("col_denominator", lang),
            "opening": col.money("col_opening_balance", lang),
            "reduction": col.money("col_period_reduction", lang),
        },
    )


def floor_breaches(frame: pd.DataFrame, as_of: date, lang: Lang) -> Table:
    """The §1 breach list loan by loan, balances in yuan as in the export; each customer
    links to its borrower file."""
    shown = pd.DataFrame(
        {
            "loan_id": frame["loan_id"],
            "customer": [borrower_url(c, as_of) for c in frame["customer_id"]],
            "customer_name": frame["customer_name"],
            "customer_type": [code_label("customer_type", c, lang) for c in frame["customer_type"]],
            "org_name": frame["org_name"],
            "manager_id": frame["manager_id"],
            "product": [code_label("product", p, lang) for p in frame["product"]],
            "balance": frame["balance"],
            "days_past_due": frame["days_past_due"],
            "classification": [
                code_label("classification", c, lang) for c in frame["classification"]
            ],
            "floor_class": [code_label("classification", c, lang) for c in frame["floor_class"]],
        }
    )
    return Table(
        shown,
        {
            "loan_id": col.label("col_loan_id", lang),
            "customer": col.borrower_link("col_customer_id", lang),
            "customer_name": col.label("col_customer_name", lang),
            "customer_type": col.label("col_customer_type", lang),
            "org_name": col.label("col_org", lang),
            "manager_id": col.label("col_manager", lang),
            "product": col.label("col_product", lang),
            "balance": st.column_config.NumberColumn(
                text("col_balance_yuan", lang), format="%,.2f"
            ),
            "days_past_due": col.count("col_dpd", lang),
            "classification": col.label("col_reported_class", lang),
            "floor_class": col.label("col_floor_class", lang),
        },
    )


def load_runs(frame: pd.DataFrame, lang: Lang) -> Table:
    shown = frame.assign(status=[load_status_label(s, lang) for s in frame["status"]])[
        ["load_id", "started_at", "status", "source_dir", "delivery_as_of", "months", *_ROW_COUNTS]
    ]
    columns: dict[str, Any] = {
        "load_id": col.count("col_load_id", lang),
        "started_at": st.column_config.DatetimeColumn(
            text("col_started_at", lang), format="YYYY-MM-DD HH:mm"
        ),
        "status": col.label("col_status", lang),
        "source_dir": col.label("col_source_dir", lang),
        "delivery_as_of": st.column_config.DateColumn(
            text("col_delivery_as_of", lang), format="YYYY-MM-DD"
        ),
        "months": st.column_config.TextColumn(text("col_months", lang), width="medium"),
    }
    columns.update({name: col.count(f"col_{name}", lang) for name in _ROW_COUNTS})
    return Table(shown, columns)


def load_files(frame: pd.DataFrame, lang: Lang) -> Table:
    shown = frame.assign(entity=[entity_label(e, lang) for e in frame["entity"]])
    columns: dict[str, Any] = {
        name: col.label(f"col_{name}", lang)
        for name in ("entity", "file_name", "file_format", "encoding", "extra_columns")
    }
    columns.update({name: col.count(f"col_{name}", lang) for name in _ROW_COUNTS})
    return Table(shown, columns)


def rejected_counts(frame: pd.DataFrame, lang: Lang) -> Table:
    """Problems per (entity, column, reason); check codes stay in the CSV, not on screen."""
    shown = _readable(frame, lang)[
        ["entity", "column_name", "reason", "problem_count", "row_count"]
    ]
    return Table(
        shown,
        {
            "entity": col.label("col_entity", lang),
            "column_name": col.label("col_column_name", lang),
            "reason": st.column_config.TextColumn(text("col_reason", lang), width="large"),
            "problem_count": col.count("col_problem_count", lang),
            "row_count": col.count("col_row_count", lang),
        },
    )


def rejected_rows(frame: pd.DataFrame, lang: Lang) -> Table:
    shown = _readable(frame, lang)[
        ["load_id", "entity", "file_name", "row_number", "column_name", "value", "reason"]
    ]
    return Table(
        shown,
        {
            "load_id": col.count("col_load_id", lang),
            "entity": col.label("col_entity", lang),
            "file_name": col.label("col_file_name", lang),
            "row_number": col.count("col_row_number", lang),
            "column_name": col.label("col_column_name", lang),
            "value": col.label("col_value", lang),
            "reason": st.column_config.TextColumn(text("col_reason", lang), width="large"),
        },
    )


def _readable(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Reasons in the UI language; entity and column names as the contract labels them."""
    return frame.assign(
        reason=frame["reason"] if lang == "zh-CN" else frame["reason_en"],
        column_name=[
            column_label(e, c, lang)
            for e, c in zip(frame["entity"], frame["column_name"], strict=True)
        ],
        entity=[entity_label(e, lang) for e in frame["entity"]],
    )


def _datetime(key: str, lang: Lang) -> Any:
    return st.column_config.DatetimeColumn(text(key, lang), format="YYYY-MM-DD HH:mm:ss")
