"""Where each contract entity lands in the warehouse, and by which key a delivery replaces rows."""

from __future__ import annotations

# entity -> (warehouse table, merge keys); loan_snapshots merge by month instead of by key.
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "org_units": ("dim_org", ("org_id",)),
    "staff": ("dim_staff", ("staff_id",)),
    "customers": ("dim_customer", ("customer_id",)),
    "customer_ratings": ("dim_customer_rating", ("customer_id", "rating_date")),
    "loans": ("dim_loan", ("loan_id",)),
    "loan_snapshots": ("fct_loan_snapshot", ("as_of_date",)),
    "inspections": ("fct_inspection", ("inspection_id",)),
    "warning_signals": ("fct_warning_signal", ("signal_id",)),
    "collateral": ("fct_collateral_appraisal", ("collateral_id", "appraisal_date")),
    "collection_actions": ("fct_collection_action", ("action_id",)),
    "repayments": ("fct_repayment", ("loan_id", "installment_no")),
}
