"""A tiny, valid extract written by hand, for load tests to copy and break one thing at a time.

The bank: head office HO, branch BR1 with sub-branches SB1 and SB2; three customers, four
loans, snapshots for 2025-01..03, two inspections, a signal, a collateral item, a collection
action, two instalments. Every value is chosen so that each test's expected figure is obvious.
"""

from __future__ import annotations

import csv
from pathlib import Path

TINY: dict[str, list[dict[str, str]]] = {
    "org_units": [
        {"org_id": "HO", "org_name": "总行", "level": "head_office", "parent_org_id": ""},
        {"org_id": "BR1", "org_name": "城东分行", "level": "branch", "parent_org_id": "HO"},
        {"org_id": "SB1", "org_name": "城东一支行", "level": "sub_branch", "parent_org_id": "BR1"},
        {"org_id": "SB2", "org_name": "城东二支行", "level": "sub_branch", "parent_org_id": "BR1"},
    ],
    "staff": [
        {
            "staff_id": "E1",
            "staff_name": "张三",
            "org_id": "SB1",
            "role": "account_manager",
            "hire_date": "2020-01-01",
            "leave_date": "",
        },
        {
            "staff_id": "E2",
            "staff_name": "李四",
            "org_id": "SB2",
            "role": "account_manager",
            "hire_date": "2021-03-01",
            "leave_date": "",
        },
        {
            "staff_id": "E3",
            "staff_name": "王五",
            "org_id": "BR1",
            "role": "branch_head",
            "hire_date": "2019-05-01",
            "leave_date": "",
        },
    ],
    "customers": [
        {
            "customer_id": "C1",
            "customer_name": "某某科技有限公司",
            "customer_type": "corporate",
            "id_number": "91430100MA4L000001",
            "industry_code": "C",
            "region": "长沙",
            "credit_rating": "A",
            "rating_date": "2024-06-30",
        },
        {
            "customer_id": "C2",
            "customer_name": "赵六",
            "customer_type": "individual",
            "id_number": "430102198001011234",
            "industry_code": "",
            "region": "长沙",
            "credit_rating": "unrated",
            "rating_date": "",
        },
        {
            "customer_id": "C3",
            "customer_name": "钱七",
            "customer_type": "individual_business",
            "id_number": "430103198502023456",
            "industry_code": "F",
            "region": "株洲",
            "credit_rating": "BB",
            "rating_date": "2024-12-31",
        },
    ],
    "loans": [
        {
            "loan_id": "L1",
            "customer_id": "C1",
            "org_id": "SB1",
            "product": "working_capital",
            "contract_amount": "1000000.00",
            "disbursement_date": "2024-06-15",
            "maturity_date": "2025-06-14",
            "interest_rate": "4.35",
            "guarantee_type": "mortgage",
            "payment_mode": "entrusted",
            "purpose": "购原材料",
        },
        {
            "loan_id": "L2",
            "customer_id": "C2",
            "org_id": "SB1",
            "product": "personal_consumer",
            "contract_amount": "50000",
            "disbursement_date": "2024-11-20",
            "maturity_date": "2026-11-19",
            "interest_rate": "6.5",
            "guarantee_type": "credit",
            "payment_mode": "self",
            "purpose": "",
        },
        {
            "loan_id": "L3",
            "customer_id": "C3",
            "org_id": "SB2",
            "product": "personal_business",
            "contract_amount": "300000",
            "disbursement_date": "2024-03-01",
            "maturity_date": "2027-02-28",
            "interest_rate": "5.2",
            "guarantee_type": "guarantee",
            "payment_mode": "entrusted",
            "purpose": "经营周转",
        },
        {
            "loan_id": "L4",
            "customer_id": "C3",
            "org_id": "SB2",
            "product": "farmer",
            "contract_amount": "80000",
            "disbursement_date": "2025-02-10",
            "maturity_date": "2026-02-09",
            "interest_rate": "4.8",
            "guarantee_type": "credit",
            "payment_mode": "self",
            "purpose": "",
        },
    ],
    "loan_snapshots": [
        *(
            {
                "as_of_date": d,
                "loan_id": "L1",
                "manager_id": "E1",
                "balance": "1000000.00",
                "classification": "normal",
                "days_past_due": "0",
                "overdue_principal": "0",
                "interest_arrears": "0",
                "status": "active",
            }
            for d in ("2025-01-31", "2025-02-28", "2025-03-31")
        ),
        {
            "as_of_date": "2025-01-31",
            "loan_id": "L2",
            "manager_id": "E1",
            "balance": "48000",
            "classification": "normal",
            "days_past_due": "0",
            "overdue_principal": "0",
            "interest_arrears": "0",
            "status": "active",
        },
        {
            "as_of_date": "2025-02-28",
            "loan_id": "L2",
            "manager_id": "E1",
            "balance": "48000",
            "classification": "special_mention",
            "days_past_due": "28",
            "overdue_principal": "2000",
            "interest_arrears": "260",
            "status": "active",
        },
        {
            "as_of_date": "2025-03-31",
            "loan_id": "L2",
            "manager_id": "E1",
            "balance": "0",
            "classification": "normal",
            "days_past_due": "0",
            "overdue_principal": "0",
            "interest_arrears": "0",
            "status": "settled",
        },
        *(
            {
                "as_of_date": d,
                "loan_id": "L3",
                "manager_id": "E2",
                "balance": b,
                "classification": c,
                "days_past_due": dpd,
                "overdue_principal": op,
                "interest_arrears": "0",
                "status": "active",
            }
            for d, b, c, dpd, op in (
                ("2025-01-31", "250000", "special_mention", "15", "10000"),
                ("2025-02-28", "250000", "special_mention", "45", "20000"),
                ("2025-03-31", "250000", "substandard", "95", "30000"),
            )
        ),
        *(
            {
                "as_of_date": d,
                "loan_id": "L4",
                "manager_id": "E2",
                "balance": "80000",
                "classification": "normal",
                "days_past_due": "0",
                "overdue_principal": "0",
                "interest_arrears": "0",
                "status": "active",
            }
            for d in ("2025-02-28", "2025-03-31")
        ),
    ],
    "inspections": [
        {
            "inspection_id": "I1",
            "customer_id": "C1",
            "loan_id": "L1",
            "staff_id": "E1",
            "inspection_date": "2025-01-10",
            "inspection_type": "routine",
            "method": "onsite",
            "report_date": "2025-01-12",
            "risk_found": "false",
            "findings": "经营正常",
            "reviewer_id": "E3",
        },
        {
            "inspection_id": "I2",
            "customer_id": "C3",
            "loan_id": "",
            "staff_id": "E2",
            "inspection_date": "2025-02-20",
            "inspection_type": "special",
            "method": "phone",
            "report_date": "",
            "risk_found": "true",
            "findings": "",
            "reviewer_id": "",
        },
    ],
    "warning_signals": [
        {
            "signal_id": "W1",
            "customer_id": "C3",
            "loan_id": "L3",
            "signal_date": "2025-01-20",
            "signal_type": "overdue",
            "severity": "orange",
            "source": "system",
            "status": "open",
            "resolved_date": "",
            "handler_id": "",
        },
    ],
    "collateral": [
        {
            "collateral_id": "G1",
            "loan_id": "L1",
            "collateral_type": "real_estate",
            "appraised_value": "1500000",
            "appraisal_date": "2024-06-01",
        },
    ],
    "collection_actions": [
        {
            "action_id": "A1",
            "loan_id": "L3",
            "staff_id": "E2",
            "action_date": "2025-02-15",
            "channel": "phone",
            "outcome": "promise_to_pay",
            "amount_recovered": "0",
        },
    ],
    "repayments": [
        {
            "loan_id": "L2",
            "installment_no": "1",
            "due_date": "2024-12-20",
            "principal_due": "2000",
            "interest_due": "270.83",
            "paid_date": "2024-12-20",
            "principal_paid": "2000",
            "interest_paid": "270.83",
        },
        {
            "loan_id": "L2",
            "installment_no": "2",
            "due_date": "2025-01-20",
            "principal_due": "2000",
            "interest_due": "260",
            "paid_date": "",
            "principal_paid": "0",
            "interest_paid": "0",
        },
    ],
}


def write_extract(
    out: Path,
    tables: dict[str, list[dict[str, str]]] | None = None,
    encoding: str = "utf-8",
    headers: dict[str, dict[str, str]] | None = None,
) -> Path:
    """Write ``tables`` (default TINY) as CSV files; ``headers`` renames columns per entity."""
    out.mkdir(parents=True, exist_ok=True)
    for entity, rows in (tables or TINY).items():
        names = list(rows[0]) if rows else []
        shown = [(headers or {}).get(entity, {}).get(n, n) for n in names]
        with open(out / f"{entity}.csv", "w", encoding=encoding, newline="") as fh:
            w = csv.writer(fh)
            w.writerow(shown)
            for r in rows:
                w.writerow([r[n] for n in names])
    return out


def copy_tables() -> dict[str, list[dict[str, str]]]:
    """A deep copy of TINY to break one thing in."""
    return {k: [dict(r) for r in v] for k, v in TINY.items()}
