"""A hand-written bank for METRICS.md §1 and §2, loaded through the real ETL once per session.

Four month ends: M0 = 2024-12-31 (the opening t0 of the migration tests), M1, M2 and
M3 = 2025-03-31 (the as-of date and closing t1). The expected figures in test_asset_quality.py
and test_migration.py are worked out by hand from the table below; change a row here and the
arithmetic there together.

Org tree (loans booked in brackets):

    HO 总行
    ├── BR1 城东分行
    │   ├── SB1 城东一支行  [A1 A2 A3 A4 A5 A6]   manager E1
    │   └── SB2 城东二支行  [B1 B2 B3 B4 B5 B6]   manager E2
    ├── BR2 河西分行        [D1 D2] booked at the branch itself, manager E3
    └── BR3 新区分行        no loans

Loan lives (balance in yuan, class, days past due; "—" = no row; N SM SS D L = the classes):

    loan  M0                  M1                 M2                 M3
    A1    100,000 N 0         95,000 N 0         95,000 N 0         90,000 N 7  (edge: no breach)
    A2    200,000 N 0         200,000 N 0        190,000 N 0        180,000 SM 8
    A3    50,000 N 0          50,000 N 0         settled            —
    A4    300,000 SM 20       300,000 SS 95      written_off        —  (downgraded, then out)
    A5    — (disbursed 2025-01-15)  60,000 N 0         58,000 N 0         56,000 N 0
    A6    40,000 N 0          —                  —                  —  (no later row)
    B1    400,000 SS 100      400,000 SS 130     400,000 D 160      400,000 D 190
    B2    150,000 SM 7        150,000 SM 0       145,000 N 0        140,000 N 8  (breach: ≥ SM)
    B3    120,000 D 200       120,000 D 230      120,000 D 260      transferred
    B4    70,000 N 0          70,000 SM 30       70,000 SM 60       70,000 SM 90  (edge: no breach)
    B5    30,000 SM 30        30,000 SM 61       30,000 SM 89       30,000 SM 91  (breach: ≥ SS)
    B6    250,000 N 0         250,000 SM 31      250,000 SM 62      250,000 SS 93
    D1    80,000 L 400        80,000 L 430       80,000 L 460       80,000 L 490
    D2    500,000 N 0         300,000 N 0        100,000 N 0        0 N 0 active (repaid to 0)

Overdue principal at M3: A1 5,000 · A2 10,000 · B1 70,000 · B2 10,000 · B4 6,000 · B5 4,000 ·
B6 60,000 · D1 80,000 (0 for the others).

Customers: C1 corporate (industry C) owns A1 A2 B1 B6 D2; C2 individual owns A3 A5 A6 B4 B5;
C3 individual_business (industry F) owns A4 B2 B3 D1. Products: farmer = B3 B5 D1.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from demo_scopes import demo_scopes
from extract_builder import write_extract

from daihou.settings import Settings
from etl.load import load_extract
from metrics.scope import Scope
from warehouse.connection import Warehouse

M0, M1, M2, M3 = date(2024, 12, 31), date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)
TODAY = date(2026, 1, 15)


def _org(org_id: str, name: str, level: str, parent: str) -> dict[str, str]:
    return {"org_id": org_id, "org_name": name, "level": level, "parent_org_id": parent}


def _staff(staff_id: str, name: str, org_id: str) -> dict[str, str]:
    return {
        "staff_id": staff_id,
        "staff_name": name,
        "org_id": org_id,
        "role": "account_manager",
        "hire_date": "2020-01-01",
        "leave_date": "",
    }


def _customer(
    customer_id: str, name: str, kind: str, id_number: str, industry: str
) -> dict[str, str]:
    return {
        "customer_id": customer_id,
        "customer_name": name,
        "customer_type": kind,
        "id_number": id_number,
        "industry_code": industry,
        "region": "长沙",
        "credit_rating": "A",
        "rating_date": "2024-06-30",
    }


def _loan(
    loan_id: str, customer_id: str, org_id: str, product: str, amount: int, disbursed: str
) -> dict[str, str]:
    return {
        "loan_id": loan_id,
        "customer_id": customer_id,
        "org_id": org_id,
        "product": product,
        "contract_amount": str(amount),
        "disbursement_date": disbursed,
        "maturity_date": "2027-12-31",
        "interest_rate": "5.0",
        "guarantee_type": "credit",
        "payment_mode": "self",
        "purpose": "",
    }


MANAGER = {"A": "E1", "B": "E2", "D": "E3"}

# loan_id -> rows (as_of_date, balance, class, dpd, overdue principal, status)
LIVES: dict[str, list[tuple[date, int, str, int, int, str]]] = {
    "A1": [
        (M0, 100_000, "normal", 0, 0, "active"),
        (M1, 95_000, "normal", 0, 0, "active"),
        (M2, 95_000, "normal", 0, 0, "active"),
        (M3, 90_000, "normal", 7, 5_000, "active"),
    ],
    "A2": [
        (M0, 200_000, "normal", 0, 0, "active"),
        (M1, 200_000, "normal", 0, 0, "active"),
        (M2, 190_000, "normal", 0, 0, "active"),
        (M3, 180_000, "special_mention", 8, 10_000, "active"),
    ],
    "A3": [
        (M0, 50_000, "normal", 0, 0, "active"),
        (M1, 50_000, "normal", 0, 0, "active"),
        (M2, 0, "normal", 0, 0, "settled"),
    ],
    "A4": [
        (M0, 300_000, "special_mention", 20, 10_000, "active"),
        (M1, 300_000, "substandard", 95, 40_000, "active"),
        (M2, 0, "loss", 125, 0, "written_off"),
    ],
    "A5": [
        (M1, 60_000, "normal", 0, 0, "active"),
        (M2, 58_000, "normal", 0, 0, "active"),
        (M3, 56_000, "normal", 0, 0, "active"),
    ],
    "A6": [(M0, 40_000, "normal", 0, 0, "active")],
    "B1": [
        (M0, 400_000, "substandard", 100, 50_000, "active"),
        (M1, 400_000, "substandard", 130, 50_000, "active"),
        (M2, 400_000, "doubtful", 160, 60_000, "active"),
        (M3, 400_000, "doubtful", 190, 70_000, "active"),
    ],
    "B2": [
        (M0, 150_000, "special_mention", 7, 3_000, "active"),
        (M1, 150_000, "special_mention", 0, 0, "active"),
        (M2, 145_000, "normal", 0, 0, "active"),
        (M3, 140_000, "normal", 8, 10_000, "active"),
    ],
    "B3": [
        (M0, 120_000, "doubtful", 200, 120_000, "active"),
        (M1, 120_000, "doubtful", 230, 120_000, "active"),
        (M2, 120_000, "doubtful", 260, 120_000, "active"),
        (M3, 0, "doubtful", 290, 0, "transferred"),
    ],
    "B4": [
        (M0, 70_000, "normal", 0, 0, "active"),
        (M1, 70_000, "special_mention", 30, 2_000, "active"),
        (M2, 70_000, "special_mention", 60, 4_000, "active"),
        (M3, 70_000, "special_mention", 90, 6_000, "active"),
    ],
    "B5": [
        (M0, 30_000, "special_mention", 30, 1_000, "active"),
        (M1, 30_000, "special_mention", 61, 2_000, "active"),
        (M2, 30_000, "special_mention", 89, 3_000, "active"),
        (M3, 30_000, "special_mention", 91, 4_000, "active"),
    ],
    "B6": [
        (M0, 250_000, "normal", 0, 0, "active"),
        (M1, 250_000, "special_mention", 31, 20_000, "active"),
        (M2, 250_000, "special_mention", 62, 40_000, "active"),
        (M3, 250_000, "substandard", 93, 60_000, "active"),
    ],
    "D1": [
        (M0, 80_000, "loss", 400, 80_000, "active"),
        (M1, 80_000, "loss", 430, 80_000, "active"),
        (M2, 80_000, "loss", 460, 80_000, "active"),
        (M3, 80_000, "loss", 490, 80_000, "active"),
    ],
    "D2": [
        (M0, 500_000, "normal", 0, 0, "active"),
        (M1, 300_000, "normal", 0, 0, "active"),
        (M2, 100_000, "normal", 0, 0, "active"),
        (M3, 0, "normal", 0, 0, "active"),
    ],
}

TABLES: dict[str, list[dict[str, str]]] = {
    "org_units": [
        _org("HO", "总行", "head_office", ""),
        _org("BR1", "城东分行", "branch", "HO"),
        _org("SB1", "城东一支行", "sub_branch", "BR1"),
        _org("SB2", "城东二支行", "sub_branch", "BR1"),
        _org("BR2", "河西分行", "branch", "HO"),
        _org("BR3", "新区分行", "branch", "HO"),
    ],
    "staff": [
        _staff("E1", "张三", "SB1"),
        _staff("E2", "李四", "SB2"),
        _staff("E3", "王五", "BR2"),
    ],
    "customers": [
        _customer("C1", "某某机械有限公司", "corporate", "91430100MA4L000001", "C"),
        _customer("C2", "赵六", "individual", "430102198001011234", ""),
        _customer("C3", "钱七", "individual_business", "430103198502023456", "F"),
    ],
    "loans": [
        _loan("A1", "C1", "SB1", "working_capital", 100_000, "2024-06-15"),
        _loan("A2", "C1", "SB1", "working_capital", 200_000, "2024-03-01"),
        _loan("A3", "C2", "SB1", "personal_consumer", 50_000, "2024-10-10"),
        _loan("A4", "C3", "SB1", "personal_business", 300_000, "2023-05-20"),
        _loan("A5", "C2", "SB1", "personal_consumer", 60_000, "2025-01-15"),
        _loan("A6", "C2", "SB1", "personal_consumer", 40_000, "2024-11-01"),
        _loan("B1", "C1", "SB2", "working_capital", 400_000, "2023-01-10"),
        _loan("B2", "C3", "SB2", "personal_business", 150_000, "2024-02-01"),
        _loan("B3", "C3", "SB2", "farmer", 120_000, "2022-06-01"),
        _loan("B4", "C2", "SB2", "personal_consumer", 70_000, "2024-08-01"),
        _loan("B5", "C2", "SB2", "farmer", 30_000, "2024-09-01"),
        _loan("B6", "C1", "SB2", "working_capital", 250_000, "2024-04-01"),
        _loan("D1", "C3", "BR2", "farmer", 80_000, "2021-01-01"),
        _loan("D2", "C1", "BR2", "fixed_asset", 500_000, "2022-01-01"),
    ],
    "loan_snapshots": [
        {
            "as_of_date": as_of.isoformat(),
            "loan_id": loan_id,
            "manager_id": MANAGER[loan_id[0]],
            "balance": str(balance),
            "classification": cls,
            "days_past_due": str(dpd),
            "overdue_principal": str(overdue),
            "interest_arrears": "0",
            "status": status,
        }
        for loan_id, life in LIVES.items()
        for as_of, balance, cls, dpd, overdue, status in life
    ],
    "inspections": [
        {
            "inspection_id": "I1",
            "customer_id": "C1",
            "loan_id": "A1",
            "staff_id": "E1",
            "inspection_date": "2024-06-20",
            "inspection_type": "first",
            "method": "onsite",
            "report_date": "2024-06-21",
            "risk_found": "false",
            "findings": "",
            "reviewer_id": "",
        }
    ],
}


@dataclass(frozen=True)
class AqBank:
    warehouse: Path
    settings: Settings


@pytest.fixture(scope="session")
def aq_bank(tmp_path_factory: pytest.TempPathFactory) -> AqBank:
    """The bank above, loaded by etl.load (aggregates included); treat as read-only."""
    root = tmp_path_factory.mktemp("aq_bank")
    settings = Settings(data_dir=root, warehouse=root / "wh.duckdb")
    summary = load_extract(write_extract(root / "extract", TABLES), settings, today=TODAY)
    assert summary.rows_rejected == 0, summary.to_json()
    return AqBank(settings.warehouse_path, settings)


def loan_level_copy(warehouse: Path, out: Path) -> Path:
    """A copy of ``warehouse`` whose metrics take the loan-level path: without the record of
    the rules the aggregates were built with (floors; bucket edges and vintage thresholds),
    metrics.asset_quality, migration, roll_rates and vintage compute every figure from
    fct_loan_snapshot, for every scope, an account manager's included (the reference the
    aggregates must equal)."""
    current = Warehouse(warehouse).current_file()
    assert current is not None
    shutil.copyfile(current, out)
    with duckdb.connect(str(out)) as con:
        con.execute("DROP TABLE agg_class_month_rules")
        con.execute("DROP TABLE agg_bucket_rules")
    return out


def demo_bank_scopes(con: duckdb.DuckDBPyConnection) -> list[Scope]:
    """demo_scopes (root, a branch, a sub-branch, a product and a customer-type filter) and the
    other two scope dimensions: the scopes the demo-bank comparisons run over."""
    scopes = demo_scopes(con)
    root, branch = scopes[0].org_id, scopes[1].org_id
    return [
        *scopes,
        Scope(branch, guarantee_type="mortgage"),
        Scope(root, industry_code="C", customer_type="corporate"),
    ]
