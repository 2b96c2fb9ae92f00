"""Display tables of the borrower file: metrics.borrower frames with labels, units and colours.

Codes become their Chinese (or English) labels, amounts one unit per column (万元 / CNY m;
recoveries in 元), dates ISO, missing values "—". Status cells are coloured through a pandas
Styler; the number formats of the column configuration take precedence over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import columns as col
from dashboard import format as fmt
from dashboard.borrower_charts import STATUS_COLOURS, met_by
from dashboard.i18n import Lang, code_label, text
from dashboard.tables import Table

# Background and text colour of a coloured cell, by the code behind its label.
_CELL: dict[str, tuple[str, str]] = {
    "on_time": ("#e8f5e9", STATUS_COLOURS["on_time"]),
    "late": ("#fff3e0", "#e65100"),
    "overdue": ("#ffebee", STATUS_COLOURS["overdue"]),
    "pending": ("#e3f2fd", STATUS_COLOURS["pending"]),
    "red": ("#ffebee", "#c62828"),
    "orange": ("#fff3e0", "#e65100"),
    "yellow": ("#fffde7", "#8d6e00"),
    "open": ("#ffebee", "#c62828"),
    "handling": ("#fff3e0", "#e65100"),
    "resolved": ("#e8f5e9", "#2e7d32"),
    "bad": ("#ffebee", "#c62828"),
    "good": ("#e8f5e9", "#2e7d32"),
}


@dataclass(frozen=True)
class StyledTable:
    """A Table whose cells in ``cells`` columns are coloured by a code per row (None: plain)."""

    table: Table
    cells: dict[str, list[str | None]] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        return self.table.frame


def show(styled: StyledTable, **kwargs: Any) -> Any:
    """st.dataframe of the table with its coloured cells and the house defaults."""
    frame = styled.table.frame.reset_index(drop=True)
    styler = frame.style
    for column, codes in styled.cells.items():
        css = [_css(code) for code in codes]
        styler = styler.apply(lambda _s, css=css: css, subset=[column])
    return st.dataframe(
        styler,
        column_config=styled.table.columns,
        hide_index=True,
        placeholder=fmt.MISSING,
        **kwargs,
    )


def rating_history(frame: pd.DataFrame, lang: Lang) -> StyledTable:
    shown = pd.DataFrame(
        {
            "rating_date": frame["rating_date"],
            "credit_rating": [code_label("credit_rating", r, lang) for r in frame["credit_rating"]],
            "change": [
                text(f"bw_{c}", lang) if isinstance(c, str) else "" for c in frame["change"]
            ],
        }
    )
    return StyledTable(
        Table(
            shown,
            {
                "rating_date": col.day("bw_col_rating_date", lang),
                "credit_rating": col.label("bw_col_rating", lang),
                "change": col.label("bw_col_rating_change", lang),
            },
        ),
        {
            "change": [
                "good" if c == "up" else "bad" if c == "down" else None for c in frame["change"]
            ]
        },
    )


def loans(frame: pd.DataFrame, lang: Lang) -> StyledTable:
    """metrics.borrower.loans, amounts in the table unit; a floor breach in red."""
    shown = pd.DataFrame(
        {
            "loan_id": frame["loan_id"],
            "product": _labels("product", frame["product"], lang),
            "status": _labels("loan_status", frame["status"], lang),
            "balance": col.in_table_unit(frame["balance"], lang),
            "classification": _labels("classification", frame["classification"], lang),
            "floor_class": [
                text("bw_breach", lang) + "：" + code_label("classification", f, lang)
                if breach
                else code_label("classification", f, lang)
                if isinstance(f, str)
                else None
                for f, breach in zip(frame["floor_class"], frame["is_floor_breach"], strict=True)
            ],
            "days_past_due": frame["days_past_due"],
            "overdue_principal": col.in_table_unit(frame["overdue_principal"], lang),
            "interest_arrears": col.in_table_unit(frame["interest_arrears"], lang),
            "contract_amount": col.in_table_unit(frame["contract_amount"], lang),
            "disbursement_date": frame["disbursement_date"],
            "maturity_date": frame["maturity_date"],
            "interest_rate": frame["interest_rate"],
            "guarantee_type": _labels("guarantee_type", frame["guarantee_type"], lang),
            "manager_name": frame["manager_name"],
            "org_name": frame["org_name"],
            "snapshot_date": frame["snapshot_date"],
        }
    )
    breach = ["bad" if b else None for b in frame["is_floor_breach"]]
    return StyledTable(
        Table(
            shown,
            {
                "loan_id": col.label("bw_col_loan", lang),
                "product": col.label("bw_col_product", lang),
                "org_name": col.label("bw_col_booking_org", lang),
                "contract_amount": col.money("bw_col_contract", lang),
                "disbursement_date": col.day("bw_col_disbursed", lang),
                "maturity_date": col.day("bw_col_maturity", lang),
                "interest_rate": st.column_config.NumberColumn(
                    text("bw_col_rate", lang), format="%.2f%%"
                ),
                "guarantee_type": col.label("bw_col_guarantee", lang),
                "status": col.label("bw_col_loan_status", lang),
                "balance": col.money("bw_col_balance", lang),
                "classification": col.label("bw_col_class", lang),
                "floor_class": col.label("bw_col_floor", lang),
                "days_past_due": col.count("bw_col_dpd", lang),
                "overdue_principal": col.money("bw_col_overdue_principal", lang),
                "interest_arrears": col.money("bw_col_arrears", lang),
                "manager_name": col.label("bw_col_manager", lang),
                "snapshot_date": col.day("bw_col_snapshot", lang),
            },
        ),
        {"classification": breach, "floor_class": breach},
    )


def obligations(frame: pd.DataFrame, lang: Lang) -> StyledTable:
    """metrics.borrower.customer_obligations, latest due date first, status coloured."""
    frame = frame.sort_values(["due_date", "obligation_id"], ascending=False)
    shown = pd.DataFrame(
        {
            "kind": [text(f"bw_kind_{k}", lang) for k in frame["kind"]],
            "reason": [
                text(f"bw_reason_{r}", lang, ref=ref if isinstance(ref, str) else "")
                for r, ref in zip(frame["reason"], frame["reason_ref"], strict=True)
            ],
            "trigger_date": frame["trigger_date"],
            "due_date": frame["due_date"],
            "status": [text(f"bw_status_{s}", lang) for s in frame["status"]],
            "days": frame["days_late"].fillna(frame["days_overdue"]),
            "satisfied_date": frame["satisfied_date"],
            "met_by": [
                met_by(_value(t), _value(m), _value(n), bool(a), lang) if pd.notna(d) else None
                for t, m, n, a, d in zip(
                    frame["inspection_type"],
                    frame["inspection_method"],
                    frame["inspector_name"],
                    frame["by_appraisal"],
                    frame["satisfied_date"],
                    strict=True,
                )
            ],
            "manager_name": frame["manager_name"],
        }
    )
    return StyledTable(
        Table(
            shown,
            {
                "kind": col.label("bw_col_kind", lang),
                "reason": col.label("bw_col_reason", lang),
                "trigger_date": col.day("bw_col_trigger", lang),
                "due_date": col.day("bw_col_due", lang),
                "status": col.label("bw_col_status", lang),
                "days": col.count("bw_col_days", lang),
                "satisfied_date": col.day("bw_col_done", lang),
                "met_by": col.label("bw_col_done_by", lang),
                "manager_name": col.label("bw_col_responsible", lang),
            },
        ),
        {"status": list(frame["status"])},
    )


def inspections(frame: pd.DataFrame, lang: Lang) -> StyledTable:
    """metrics.borrower.customer_inspections, latest first; report quality coloured."""
    shown = pd.DataFrame(
        {
            "inspection_date": frame["inspection_date"],
            "inspection_type": _labels("inspection_type", frame["inspection_type"], lang),
            "method": _labels("inspection_method", frame["method"], lang),
            "inspector_name": frame["inspector_name"],
            "loan_id": frame["loan_id"],
            "satisfied": [
                "、".join(text(f"bw_kind_{k}", lang) for k in kinds)
                if len(kinds)
                else text("bw_none_met", lang)
                for kinds in frame["satisfied_kinds"]
            ],
            "report_date": frame["report_date"],
            "report_working_days": frame["report_working_days"],
            "reviewer_name": frame["reviewer_name"],
            "is_good_report": _yes_no(frame["is_good_report"], lang),
            "risk_found": _yes_no(frame["risk_found"], lang),
            "findings": frame["findings"],
        }
    )
    return StyledTable(
        Table(
            shown,
            {
                "inspection_date": col.day("bw_col_inspection_date", lang),
                "inspection_type": col.label("bw_col_inspection_type", lang),
                "method": col.label("bw_col_method", lang),
                "inspector_name": col.label("bw_col_inspector", lang),
                "loan_id": col.label("bw_col_loan", lang),
                "satisfied": col.label("bw_col_satisfied", lang),
                "report_date": col.day("bw_col_report_date", lang),
                "report_working_days": col.count("bw_col_report_days", lang),
                "reviewer_name": col.label("bw_col_reviewer", lang),
                "is_good_report": col.label("bw_col_report_ok", lang),
                "risk_found": col.label("bw_col_risk", lang),
                "findings": st.column_config.TextColumn(
                    text("bw_col_findings", lang), width="large"
                ),
            },
        ),
        {
            "is_good_report": ["good" if g else "bad" for g in frame["is_good_report"]],
            "risk_found": ["bad" if r else None for r in frame["risk_found"]],
        },
    )


def signals(frame: pd.DataFrame, lang: Lang) -> StyledTable:
    """metrics.borrower.signals, latest first; severity and status at the data date coloured."""
    shown = pd.DataFrame(
        {
            "signal_date": frame["signal_date"],
            "signal_type": _labels("signal_type", frame["signal_type"], lang),
            "severity": _labels("severity", frame["severity"], lang),
            "source": _labels("signal_source", frame["source"], lang),
            "loan_id": frame["loan_id"],
            "status": _labels("signal_status", frame["status"], lang),
            "resolved_date": frame["resolved_date"],
            "days_open": frame["days_open"],
            "handler_name": frame["handler_name"],
        }
    )
    return StyledTable(
        Table(
            shown,
            {
                "signal_date": col.day("bw_col_signal_date", lang),
                "signal_type": col.label("bw_col_signal_type", lang),
                "severity": col.label("bw_col_severity", lang),
                "source": col.label("bw_col_source", lang),
                "loan_id": col.label("bw_col_loan", lang),
                "status": col.label("bw_col_signal_status", lang),
                "resolved_date": col.day("bw_col_resolved", lang),
                "days_open": col.count("bw_col_days_open", lang),
                "handler_name": col.label("bw_col_handler", lang),
            },
        ),
        {"severity": list(frame["severity"]), "status": list(frame["status"])},
    )


def coverage(frame: pd.DataFrame, lang: Lang) -> StyledTable:
    """Coverage per secured loan on the book (below 100% in red)."""
    shown = pd.DataFrame(
        {
            "loan_id": frame["loan_id"],
            "balance": col.in_table_unit(frame["balance"], lang),
            "appraised_value": col.in_table_unit(frame["appraised_value"], lang),
            "coverage": frame["coverage"] * 100,
            "item_count": frame["item_count"],
            "oldest_appraisal_date": frame["oldest_appraisal_date"],
        }
    )
    return StyledTable(
        Table(
            shown,
            {
                "loan_id": col.label("bw_col_loan", lang),
                "balance": col.money("bw_col_balance", lang),
                "appraised_value": col.money("bw_col_value", lang),
                "coverage": st.column_config.NumberColumn(
                    text("bw_col_coverage", lang), format="%.2f%%"
                ),
                "item_count": col.count("bw_col_items", lang),
                "oldest_appraisal_date": col.day("bw_col_appraisal_date", lang),
            },
        ),
        {"coverage": ["bad" if c < 1 else "good" for c in frame["coverage"]]},
    )


def collateral_items(frame: pd.DataFrame, lang: Lang) -> StyledTable:
    """One row per item at its latest appraisal; an overdue revaluation in red."""
    shown = pd.DataFrame(
        {
            "collateral_id": frame["collateral_id"],
            "loan_id": frame["loan_id"],
            "collateral_type": _labels("collateral_type", frame["collateral_type"], lang),
            "appraised_value": col.in_table_unit(frame["appraised_value"], lang),
            "appraisal_date": frame["appraisal_date"],
            "first_value": col.in_table_unit(frame["first_value"], lang),
            "appraisal_count": frame["appraisal_count"],
            "revaluation_due_date": frame["revaluation_due_date"],
            "is_stale": [text("bw_stale", lang) if s else "" for s in frame["is_stale"]],
        }
    )
    return StyledTable(
        Table(
            shown,
            {
                "collateral_id": col.label("bw_col_collateral", lang),
                "loan_id": col.label("bw_col_loan", lang),
                "collateral_type": col.label("bw_col_collateral_type", lang),
                "appraised_value": col.money("bw_col_value", lang),
                "appraisal_date": col.day("bw_col_appraisal_date", lang),
                "first_value": col.money("bw_col_first_value", lang),
                "appraisal_count": col.count("bw_col_appraisals", lang),
                "revaluation_due_date": col.day("bw_col_revaluation_due", lang),
                "is_stale": col.label("bw_col_stale", lang),
            },
        ),
        {"is_stale": ["bad" if s else None for s in frame["is_stale"]]},
    )


def appraisals(frame: pd.DataFrame, lang: Lang) -> Table:
    """Every appraisal up to the data date, with the change from the item's previous one."""
    shown = pd.DataFrame(
        {
            "collateral_id": frame["collateral_id"],
            "loan_id": frame["loan_id"],
            "collateral_type": _labels("collateral_type", frame["collateral_type"], lang),
            "appraisal_date": frame["appraisal_date"],
            "appraised_value": col.in_table_unit(frame["appraised_value"], lang),
            "change": col.in_table_unit(frame["change"], lang),
        }
    )
    return Table(
        shown,
        {
            "collateral_id": col.label("bw_col_collateral", lang),
            "loan_id": col.label("bw_col_loan", lang),
            "collateral_type": col.label("bw_col_collateral_type", lang),
            "appraisal_date": col.day("bw_col_appraised_on", lang),
            "appraised_value": col.money("bw_col_appraised_value", lang),
            "change": st.column_config.NumberColumn(
                text("bw_col_change", lang, unit=fmt.table_unit(lang).label), format="%+,.2f"
            ),
        },
    )


def collections(frame: pd.DataFrame, lang: Lang) -> Table:
    """metrics.borrower.collections, latest first; recoveries in yuan."""
    shown = pd.DataFrame(
        {
            "action_date": frame["action_date"],
            "loan_id": frame["loan_id"],
            "channel": _labels("collection_channel", frame["channel"], lang),
            "outcome": _labels("collection_outcome", frame["outcome"], lang),
            "amount_recovered": frame["amount_recovered"],
            "staff_name": frame["staff_name"],
        }
    )
    return Table(
        shown,
        {
            "action_date": col.day("bw_col_action_date", lang),
            "loan_id": col.label("bw_col_loan", lang),
            "channel": col.label("bw_col_channel", lang),
            "outcome": col.label("bw_col_outcome", lang),
            "amount_recovered": st.column_config.NumberColumn(
                text("bw_col_recovered", lang), format="%,.2f"
            ),
            "staff_name": col.label("bw_col_collector", lang),
        },
    )


# -- helpers ---------------------------------------------------------------------------------


def _css(code: str | None) -> str:
    if code is None or code not in _CELL:
        return ""
    background, colour = _CELL[code]
    return f"background-color: {background}; color: {colour}"


def _labels(codes: str, values: pd.Series, lang: Lang) -> list[str | None]:
    return [code_label(codes, v, lang) if isinstance(v, str) else None for v in values]


def _yes_no(values: pd.Series, lang: Lang) -> list[str]:
    return [text("bw_yes", lang) if v else text("bw_no", lang) for v in values]


def _value(value: object) -> str | None:
    return value if isinstance(value, str) else None
