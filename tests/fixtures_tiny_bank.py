"""A tiny hand-written bank: 7 orgs, 9 loans, 3 month ends, 2 loads with 4 rejected rows.

``build_tiny_bank`` writes the rows straight into the warehouse tables. Expected figures in the
tests are computed by hand from these rows, so change a row here and the arithmetic there
together. Later the builder can write an extract and run the real ETL instead; the fixture's
name and the rows' meaning stay.

Org tree (loans booked in brackets):

    000 示范农商银行 (head office)
    ├── 100 城关分行
    │   ├── 110 东街支行   [L01 L02 L06 L09]
    │   └── 120 西街支行   [L03 L04 L07]
    ├── 200 河西分行       [L05 L08]  (booked at the branch itself)
    │   └── 210 河西镇信用社  (no loans)
    └── 300 新区分行          (no loans, no children)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.connection import Warehouse

OCT, NOV, DEC = "2025-10-31", "2025-11-30", "2025-12-31"

# org_id, org_name, level, parent_org_id, depth, org_path
ORGS = (
    ("000", "示范农商银行", "head_office", None, 0, "/000/"),
    ("100", "城关分行", "branch", "000", 1, "/000/100/"),
    ("110", "东街支行", "sub_branch", "100", 2, "/000/100/110/"),
    ("120", "西街支行", "sub_branch", "100", 2, "/000/100/120/"),
    ("200", "河西分行", "branch", "000", 1, "/000/200/"),
    ("210", "河西镇信用社", "sub_branch", "200", 2, "/000/200/210/"),
    ("300", "新区分行", "branch", "000", 1, "/000/300/"),
)

# staff_id, staff_name, org_id, role, hire_date, leave_date
STAFF = (
    ("M01", "张伟", "110", "account_manager", "2018-03-01", None),
    ("M02", "李娜", "120", "account_manager", "2019-07-15", None),
    ("M03", "王强", "200", "account_manager", "2015-01-05", None),
)

# customer_id, customer_name, customer_type, id_number, industry_code, region, rating, date
CUSTOMERS = (
    ("C01", "城关机械有限公司", "corporate", "91330100MA0000001X", "C", "城关", "A", "2025-06-30"),
    ("C02", "赵敏", "individual", "330102198001011234", None, "城关", "BBB", "2025-03-31"),
    ("C03", "西街商贸有限公司", "corporate", "91330100MA0000003Y", "F", "西街", "AA", None),
    ("C04", "钱江", "individual_business", "330103197505052345", "A", "河西", "BB", None),
    ("C05", "孙丽", "individual", "330104199002023456", None, "城关", "unrated", None),
)

# loan_id, customer_id, org_id, product, contract_amount, disbursement, maturity, rate,
# guarantee_type, payment_mode, purpose
LOANS = (
    (
        "L01",
        "C01",
        "110",
        "working_capital",
        "1000000",
        "2025-01-10",
        "2026-01-09",
        "4.35",
        "mortgage",
        "entrusted",
        "购原材料",
    ),
    (
        "L02",
        "C02",
        "110",
        "personal_business",
        "600000",
        "2024-12-01",
        "2026-11-30",
        "5.20",
        "guarantee",
        "self",
        None,
    ),
    (
        "L03",
        "C03",
        "120",
        "working_capital",
        "2000000",
        "2025-02-15",
        "2025-12-20",
        "4.10",
        "credit",
        "entrusted",
        None,
    ),
    (
        "L04",
        "C01",
        "120",
        "fixed_asset",
        "300000",
        "2023-05-20",
        "2028-05-19",
        "4.90",
        "mortgage",
        "entrusted",
        None,
    ),
    (
        "L05",
        "C04",
        "200",
        "farmer",
        "120000",
        "2022-04-01",
        "2025-03-31",
        "6.00",
        "guarantee",
        "self",
        "养殖",
    ),
    (
        "L06",
        "C02",
        "110",
        "personal_consumer",
        "50000",
        "2025-06-01",
        "2026-05-31",
        "6.50",
        "credit",
        "self",
        None,
    ),
    (
        "L07",
        "C05",
        "120",
        "mortgage",
        "250000",
        "2025-11-10",
        "2045-11-09",
        "3.10",
        "mortgage",
        "entrusted",
        "购房",
    ),
    (
        "L08",
        "C04",
        "200",
        "farmer",
        "80000",
        "2021-09-01",
        "2024-08-31",
        "6.20",
        "credit",
        "self",
        None,
    ),
    (
        "L09",
        "C05",
        "110",
        "personal_business",
        "200000",
        "2025-03-01",
        "2027-02-28",
        "5.60",
        "guarantee",
        "self",
        None,
    ),
)

# as_of_date, loan_id, manager_id, balance, classification, days_past_due,
# overdue_principal, interest_arrears, status
SNAPSHOTS = (
    (OCT, "L01", "M01", "1000000", "normal", 0, "0", "0", "active"),
    (OCT, "L02", "M01", "500000", "special_mention", 15, "20000", "1500", "active"),
    (OCT, "L03", "M02", "2000000", "normal", 0, "0", "0", "active"),
    (OCT, "L04", "M02", "300000", "substandard", 100, "50000", "6000", "active"),
    (OCT, "L05", "M03", "100000", "loss", 400, "100000", "9000", "active"),
    (OCT, "L06", "M01", "50000", "normal", 0, "0", "0", "active"),
    (OCT, "L08", "M03", "80000", "loss", 420, "80000", "7000", "active"),
    (OCT, "L09", "M01", "200000", "special_mention", 10, "5000", "300", "active"),
    (NOV, "L01", "M01", "900000", "normal", 0, "0", "0", "active"),
    (NOV, "L02", "M01", "500000", "special_mention", 45, "40000", "3000", "active"),
    (NOV, "L03", "M02", "2000000", "normal", 0, "0", "0", "active"),
    (NOV, "L04", "M02", "300000", "substandard", 130, "50000", "7500", "active"),
    (NOV, "L05", "M03", "100000", "loss", 430, "100000", "9500", "active"),
    (NOV, "L06", "M01", "50000", "normal", 0, "0", "0", "active"),
    (NOV, "L07", "M02", "250000", "normal", 0, "0", "0", "active"),
    (NOV, "L08", "M03", "80000", "loss", 450, "80000", "7500", "active"),
    (NOV, "L09", "M01", "200000", "special_mention", 20, "5000", "600", "active"),
    (DEC, "L01", "M01", "800000", "normal", 0, "0", "0", "active"),
    (DEC, "L02", "M01", "450000", "substandard", 95, "60000", "4500", "active"),
    (DEC, "L03", "M02", "0", "normal", 0, "0", "0", "settled"),  # left the book
    (DEC, "L04", "M02", "300000", "doubtful", 300, "80000", "9000", "active"),
    (DEC, "L05", "M03", "100000", "loss", 460, "100000", "10000", "active"),
    (DEC, "L06", "M01", "0", "normal", 0, "0", "0", "active"),  # repaid to 0, still active
    (DEC, "L07", "M02", "250000", "normal", 0, "0", "0", "active"),
    (DEC, "L08", "M03", "80000", "loss", 480, "80000", "8000", "written_off"),  # left
    (DEC, "L09", "M01", "200000", "special_mention", 40, "10000", "900", "active"),
)

# load_id, started_at, finished_at, status, source_dir, delivery_as_of, months,
# rows_read, rows_loaded, rows_rejected
LOAD_RUNS = (
    (
        1,
        "2025-11-05 09:00:00",
        "2025-11-05 09:01:10",
        "loaded",
        "extracts/2025-10",
        OCT,
        OCT,
        40,
        40,
        0,
    ),
    (
        2,
        "2026-01-06 09:00:00",
        "2026-01-06 09:02:30",
        "loaded_with_rejects",
        "extracts/2025-12",
        DEC,
        f"{NOV},{DEC}",
        44,
        40,
        4,
    ),
)

# load_id, entity, file_name, file_format, encoding, rows_read, rows_loaded, rows_rejected,
# extra_columns
LOAD_FILES = (
    (1, "org_units", "org_units.csv", "csv", "utf-8", 7, 7, 0, None),
    (1, "loans", "loans.csv", "csv", "utf-8", 8, 8, 0, None),
    (1, "loan_snapshots", "loan_snapshots.csv", "csv", "utf-8", 25, 25, 0, None),
    (2, "org_units", "org_units.csv", "csv", "gbk", 7, 7, 0, None),
    (2, "customers", "customers.xlsx", "xlsx", None, 6, 5, 1, "备注"),
    (2, "loans", "loans.csv", "csv", "gbk", 10, 9, 1, None),
    (2, "loan_snapshots", "loan_snapshots.csv", "csv", "gbk", 21, 19, 2, None),
)

# load_id, entity, file_name, row_number, column_name, value, check_code, reason, reason_en
REJECTED = (
    (
        2,
        "customers",
        "customers.xlsx",
        3,
        "id_number",
        "ID_12",
        "bad_format",
        "证件号码格式不正确",
        "malformed id number",
    ),
    (
        2,
        "loans",
        "loans.csv",
        10,
        "contract_amount",
        "-5000",
        "negative_amount",
        "金额不能为负数",
        "amount must not be negative",
    ),
    (
        2,
        "loan_snapshots",
        "loan_snapshots.csv",
        7,
        "classification",
        "未知",
        "unknown_code",
        "不在代码表 classification 中",
        "not in code list classification",
    ),
    (
        2,
        "loan_snapshots",
        "loan_snapshots.csv",
        7,
        "balance",
        "abc",
        "bad_amount",
        "金额无法解析",
        "amount cannot be parsed",
    ),
    (
        2,
        "loan_snapshots",
        "loan_snapshots.csv",
        12,
        "loan_id",
        "L99",
        "unknown_reference",
        "借据号在 loans 中不存在",
        "loan_id not found in loans",
    ),
)


def subtree_pairs(orgs: tuple[tuple, ...]) -> list[tuple[str, str, int]]:
    """bridge_org_subtree rows derived from parent links: (ancestor, org, distance)."""
    parent = {org_id: parent_id for org_id, _, _, parent_id, _, _ in orgs}
    pairs = []
    for org_id in parent:
        ancestor, distance = org_id, 0
        while ancestor is not None:
            pairs.append((ancestor, org_id, distance))
            ancestor, distance = parent[ancestor], distance + 1
    return pairs


def build_tiny_bank(path: Path) -> Path:
    """Write the tiny bank into a new warehouse at ``path`` and return ``path``."""
    tables = {
        "dim_org": (ORGS, "org_id, org_name, level, parent_org_id, depth, org_path"),
        "bridge_org_subtree": (subtree_pairs(ORGS), "ancestor_org_id, org_id, distance"),
        "dim_staff": (STAFF, "staff_id, staff_name, org_id, role, hire_date, leave_date"),
        "dim_customer": (
            CUSTOMERS,
            "customer_id, customer_name, customer_type, id_number, industry_code, region,"
            " credit_rating, rating_date",
        ),
        "dim_loan": (
            LOANS,
            "loan_id, customer_id, org_id, product, contract_amount, disbursement_date,"
            " maturity_date, interest_rate, guarantee_type, payment_mode, purpose",
        ),
        "fct_loan_snapshot": (
            SNAPSHOTS,
            "as_of_date, loan_id, manager_id, balance, classification, days_past_due,"
            " overdue_principal, interest_arrears, status",
        ),
        "meta_load_run": (
            LOAD_RUNS,
            "load_id, started_at, finished_at, status, source_dir, delivery_as_of, months,"
            " rows_read, rows_loaded, rows_rejected",
        ),
        "meta_load_file": (
            LOAD_FILES,
            "load_id, entity, file_name, file_format, encoding, rows_read, rows_loaded,"
            " rows_rejected, extra_columns",
        ),
        "meta_rejected_row": (
            REJECTED,
            "load_id, entity, file_name, row_number, column_name, value, check_code, reason,"
            " reason_en",
        ),
    }
    with Warehouse(path).writer() as con:
        for table, (rows, columns) in tables.items():
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows))
    return path


@pytest.fixture(scope="session")
def tiny_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a warehouse holding the tiny bank; shared by the session, treat as read-only."""
    return build_tiny_bank(tmp_path_factory.mktemp("tiny_bank") / "wh.duckdb")
