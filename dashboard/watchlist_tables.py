"""Labels, the table and the download of the watch-list page: metrics.watchlist frames with
Chinese (or English) labels.

Trigger labels state the configured rule (逾期30天以上, 近3个月分类下调 …); the table links each
customer to its borrower file and shows amounts in the table unit; the download carries the
same rows with amounts in yuan. Pure functions of frames and rules, tested without Streamlit.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import streamlit as st

from dashboard import columns as col
from dashboard.i18n import Lang, code_label, text
from dashboard.links import borrower_url
from dashboard.tables import Table
from metrics.watchlist import TRIGGERS, Rules

_FEN = Decimal("0.01")


def trigger_label(name: str, rules: Rules, lang: Lang, short: bool = False) -> str:
    """A trigger as the configured rule reads: 逾期30天以上 · Over 30 days past due; ``short``:
    the table's few characters (逾期>30天)."""
    r = rules.watchlist
    values = {
        "downgrade": {"months": r.downgrade_window_months},
        "dpd_high": {"days": r.dpd_high_days},
        "dpd": {"days": r.dpd_high_days},
        "overdue_obligation": {"days": r.obligation_overdue_days},
        "collateral_gap": {"floor": f"{r.coverage_floor:g}", "days": r.appraisal_max_age_days},
    }.get(name, {})
    return text(f"wl_{'short' if short else 'trigger'}_{name}", lang, **values)


def words(items: list[str], lang: Lang) -> str:
    """不良、分类下调 · NPL, Downgraded."""
    return ("、" if lang == "zh-CN" else ", ").join(items)


def severity_label(severity: str, lang: Lang) -> str:
    return text(f"wl_severity_{severity}", lang)


def rule_lines(rules: Rules, lang: Lang) -> list[str]:
    """One line per trigger with its points (or 'switched off'), in list order."""
    points = rules.watchlist.points()
    return [
        text("wl_rule_line", lang, label=trigger_label(name, rules, lang), points=points[name])
        if points[name]
        else text("wl_rule_off", lang, label=trigger_label(name, rules, lang))
        for name in TRIGGERS
    ]


def severity_band(severity: str, rules: Rules, lang: Lang) -> str:
    """The scores of a severity in words: 60 分及以上 · 30–59 分 · 29 分及以下."""
    r = rules.watchlist
    return text(
        f"wl_band_{severity}",
        lang,
        high=r.severity_high_from,
        high_less=r.severity_high_from - 1,
        medium=r.severity_medium_from,
        medium_less=r.severity_medium_from - 1,
    )


def listing(frame: pd.DataFrame, as_of: date, rules: Rules, lang: Lang) -> Table:
    """The list as shown: one row per customer, in the frame's (score) order; triggers in
    their short labels."""
    readable = _readable(frame, rules, lang, short=True)
    details = _details(frame, lang)
    shown = pd.DataFrame(
        {
            "customer": [borrower_url(c, as_of) for c in frame["customer_id"]],
            "customer_name": readable["customer_name"],
            "customer_type": readable["customer_type"],
            "severity": readable["severity"],
            "score": readable["score"],
            "balance": col.in_table_unit(frame["balance"], lang),
            "triggers": readable["triggers"],
            **{k: v for k, v in details.items() if k != "loans"},
            "loans": details["loans"],
        }
    )
    columns = {
        "customer": col.borrower_link("wl_col_customer", lang),
        "customer_name": col.label("wl_col_customer_name", lang),
        "customer_type": col.label("wl_col_customer_type", lang),
        "severity": col.label("wl_col_severity", lang),
        "score": col.count("wl_col_score", lang),
        "balance": col.money("wl_col_balance", lang),
        "triggers": st.column_config.TextColumn(
            text("wl_col_triggers", lang), width="large", help=text("wl_col_triggers_help", lang)
        ),
        "worst_class": col.label("wl_col_worst_class", lang),
        "worst_dpd": col.count("wl_col_worst_dpd", lang),
        "signals": col.label("wl_col_signals", lang),
        "overdue_days": col.count("wl_col_overdue_days", lang),
        "coverage": col.ratio("wl_col_coverage", lang),
        "manager": col.label("wl_col_manager", lang),
        "org_name": col.label("wl_col_org", lang),
        "loans": col.count("wl_col_loans", lang),
    }
    return Table(shown, columns)


def export(frame: pd.DataFrame, rules: Rules, lang: Lang) -> pd.DataFrame:
    """The list as downloaded: the shown columns, the customer id as text, balance in yuan
    (exact to the fen), coverage in percent; headers in ``lang``."""
    readable = _readable(frame, rules, lang)
    details = _details(frame, lang)
    percent = "（%）" if lang == "zh-CN" else " (%)"
    return pd.DataFrame(
        {
            text("wl_col_customer", lang): frame["customer_id"],
            text("wl_col_customer_name", lang): readable["customer_name"],
            text("wl_col_customer_type", lang): readable["customer_type"],
            text("wl_col_severity", lang): readable["severity"],
            text("wl_col_score", lang): readable["score"],
            text("wl_col_triggers", lang): readable["triggers"],
            text("wl_col_balance_yuan", lang): [_fen(b) for b in frame["balance"]],
            text("wl_col_loans", lang): details["loans"],
            text("wl_col_worst_class", lang): details["worst_class"],
            text("wl_col_worst_dpd", lang): details["worst_dpd"],
            text("wl_col_signals", lang): details["signals"],
            text("wl_col_overdue_days", lang): details["overdue_days"],
            text("wl_col_coverage", lang) + percent: details["coverage"].round(2),
            text("wl_col_manager", lang): details["manager"],
            text("wl_col_org", lang): details["org_name"],
        }
    )


def _readable(
    frame: pd.DataFrame, rules: Rules, lang: Lang, short: bool = False
) -> dict[str, object]:
    labels = {name: trigger_label(name, rules, lang, short) for name in TRIGGERS}
    return {
        "customer_name": frame["customer_name"],
        "customer_type": [code_label("customer_type", c, lang) for c in frame["customer_type"]],
        "severity": [severity_label(s, lang) for s in frame["severity"]],
        "score": frame["score"],
        "triggers": [words([labels[n] for n in names], lang) for names in frame["triggers"]],
    }


def _details(frame: pd.DataFrame, lang: Lang) -> dict[str, object]:
    return {
        "loans": frame["loan_count"],
        "worst_class": [code_label("classification", c, lang) for c in frame["worst_class"]],
        "worst_dpd": frame["worst_dpd"],
        "signals": [
            f"{red} / {orange}" if red or orange else ""
            for red, orange in zip(
                frame["red_signal_count"], frame["orange_signal_count"], strict=True
            )
        ],
        # days past due of the oldest open routine/special obligation; none past due: blank
        "overdue_days": frame["oldest_overdue_days"].where(frame["oldest_overdue_days"] > 0),
        "coverage": col.in_percent(frame["lowest_coverage"]),
        "manager": frame["manager_name"].fillna(frame["manager_id"]),
        "org_name": frame["org_name"],
    }


def _fen(yuan: float) -> Decimal:
    return Decimal(str(yuan)).quantize(_FEN, rounding=ROUND_HALF_UP)
