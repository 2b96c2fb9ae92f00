"""Tables and downloads of the inspection page: metrics.obligations frames with labels.

Display tables show rates in percent and link customers to their borrower file; the download
frames carry the same rows with headers in the UI language for Excel.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard import columns as col
from dashboard.i18n import Lang, code_label, text
from dashboard.links import borrower_url
from dashboard.tables import Table

_FIGURES = ("due", "on_time", "late", "overdue")


def by_org(frame: pd.DataFrame, lang: Lang) -> Table:
    """One row per sub-unit (and the own book), as from compliance_by_org."""
    names = [
        text("own_book", lang, org=name) if own else name
        for name, own in zip(frame["org_name"], frame["is_own_book"], strict=True)
    ]
    return Table(
        pd.DataFrame({"org_name": names, **_figures(frame)}),
        {"org_name": col.label("col_org", lang), **_figure_columns(lang)},
    )


def by_manager(frame: pd.DataFrame, lang: Lang) -> Table:
    """The ranking: one row per manager, as from data.inspection.by_manager."""
    shown = pd.DataFrame(
        {
            "rank": range(1, len(frame) + 1),
            "manager_name": frame["manager_name"].fillna(frame["manager_id"]),
            "manager_id": frame["manager_id"],
            "org_name": frame["manager_org_name"],
            **_figures(frame),
            "average_days_late": frame["average_days_late"],
            "report_share": col.in_percent(frame["share_good"]),
            "inspections": frame["inspections"],
        }
    )
    return Table(
        shown,
        {
            "rank": col.count("ins_col_rank", lang),
            "manager_name": col.label("col_manager", lang),
            "manager_id": col.label("ins_col_staff_id", lang),
            "org_name": col.label("col_org", lang),
            **_figure_columns(lang),
            "average_days_late": col.number("ins_col_avg_days_late", lang),
            "report_share": col.ratio("ins_col_report_share", lang),
            "inspections": col.count("ins_col_inspections", lang),
        },
    )


def by_kind(frame: pd.DataFrame, lang: Lang) -> Table:
    kinds = [code_label("inspection_type", k, lang) for k in frame["kind"]]
    return Table(
        pd.DataFrame({"kind": kinds, **_figures(frame)}),
        {"kind": col.label("ins_col_kind", lang), **_figure_columns(lang)},
    )


def open_obligations(frame: pd.DataFrame, as_of: date, lang: Lang, overdue: bool) -> Table:
    """The overdue backlog (days overdue) or what falls due soon (days left)."""
    due = pd.to_datetime(frame["due_date"]).dt.date
    days = (
        frame["days_overdue"]
        if overdue
        else pd.Series([(d - as_of).days for d in due], dtype="Int64")
    )
    shown = pd.DataFrame(
        {
            "customer": [borrower_url(c, as_of) for c in frame["customer_id"]],
            "customer_name": frame["customer_name"],
            "kind": [code_label("inspection_type", k, lang) for k in frame["kind"]],
            "loan_id": frame["loan_id"],
            "due_date": due,
            "days": days,
            "manager_name": frame["manager_name"].fillna(frame["manager_id"]),
            "org_name": frame["org_name"],
        }
    )
    return Table(
        shown,
        {
            "customer": col.borrower_link("col_customer_id", lang),
            "customer_name": col.label("col_customer_name", lang),
            "kind": col.label("ins_col_kind", lang),
            "loan_id": col.label("col_loan_id", lang),
            "due_date": col.day("ins_col_due_date", lang),
            "days": col.count("ins_col_days_overdue" if overdue else "ins_col_days_left", lang),
            "manager_name": col.label("col_manager", lang),
            "org_name": col.label("col_org", lang),
        },
    )


def report_issues(frame: pd.DataFrame, as_of: date, lang: Lang) -> Table:
    shown = pd.DataFrame(
        {
            "inspection_id": frame["inspection_id"],
            "inspection_date": pd.to_datetime(frame["inspection_date"]).dt.date,
            "kind": [code_label("inspection_type", k, lang) for k in frame["inspection_type"]],
            "method": [code_label("inspection_method", m, lang) for m in frame["method"]],
            "customer": [borrower_url(c, as_of) for c in frame["customer_id"]],
            "customer_name": frame["customer_name"],
            "inspector": frame["staff_name"].fillna(frame["staff_id"]),
            "org_name": frame["org_name"],
            "report_date": pd.to_datetime(frame["report_date"]).dt.date,
            "report_days": frame["report_working_days"],
            "problem": _problems(frame, lang),
        }
    )
    return Table(
        shown,
        {
            "inspection_id": col.label("ins_col_inspection_id", lang),
            "inspection_date": col.day("ins_col_inspection_date", lang),
            "kind": col.label("ins_col_kind", lang),
            "method": col.label("ins_col_method", lang),
            "customer": col.borrower_link("col_customer_id", lang),
            "customer_name": col.label("col_customer_name", lang),
            "inspector": col.label("ins_col_inspector", lang),
            "org_name": col.label("col_org", lang),
            "report_date": col.day("ins_col_report_date", lang),
            "report_days": col.count("ins_col_report_days", lang),
            "problem": col.label("ins_col_problem", lang),
        },
    )


# -- downloads ---------------------------------------------------------------------------------


def ranking_export(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    table = by_manager(frame, lang)
    return _export(table.frame, table.columns, lang)


def open_obligations_export(
    frame: pd.DataFrame, as_of: date, lang: Lang, overdue: bool
) -> pd.DataFrame:
    table = open_obligations(frame, as_of, lang, overdue)
    shown = table.frame.assign(customer=frame["customer_id"].to_numpy())
    return _export(shown, table.columns, lang)


def report_issues_export(frame: pd.DataFrame, as_of: date, lang: Lang) -> pd.DataFrame:
    table = report_issues(frame, as_of, lang)
    shown = table.frame.assign(customer=frame["customer_id"].to_numpy())
    return _export(shown, table.columns, lang)


# -- internals ---------------------------------------------------------------------------------


def _figures(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        **{name: frame[name] for name in _FIGURES},
        "on_time_rate": col.in_percent(frame["on_time_rate"]),
        "completion_rate": col.in_percent(frame["completion_rate"]),
        "overdue_backlog": frame["overdue_backlog"],
        "oldest_days_overdue": frame["oldest_days_overdue"],
    }


def _figure_columns(lang: Lang) -> dict[str, dict]:
    return {
        "due": col.count("ins_col_due", lang),
        "on_time": col.count("ins_col_on_time", lang),
        "late": col.count("ins_col_late", lang),
        "overdue": col.count("ins_col_overdue", lang),
        "on_time_rate": col.ratio("ins_col_on_time_rate", lang),
        "completion_rate": col.ratio("ins_col_completion_rate", lang),
        "overdue_backlog": col.count("ins_col_backlog", lang),
        "oldest_days_overdue": col.count("ins_col_oldest", lang),
    }


def _problems(frame: pd.DataFrame, lang: Lang) -> list[str]:
    sep = text("list_sep", lang)
    flags = ("without_report", "late_report", "without_reviewer")
    return [
        sep.join(text(f"ins_problem_{flag}", lang) for flag in flags if row[flag])
        for row in frame[list(flags)].to_dict("records")
    ]


def _export(shown: pd.DataFrame, columns: dict[str, dict], lang: Lang) -> pd.DataFrame:
    """The shown rows with the shown headers; percent columns say so in the header."""
    headers = {}
    for name, config in columns.items():
        is_percent = config.get("type_config", {}).get("format", "").endswith("%%")
        headers[name] = config["label"] + ("（%）" if is_percent and lang == "zh-CN" else "")
        if is_percent and lang != "zh-CN":
            headers[name] += " (%)"
    return shown.rename(columns=headers)
