"""Real data: the UCI "Default of Credit Card Clients" file as a contract extract.

The source (``data_sources/uci_credit_card/``, CC BY 4.0, citation in its README) holds 30,000
revolving card accounts of a Taiwanese bank with six months, April to September 2005, of
repayment status and statement balance. It is the only real loan-performance data the product
ships, so it is turned into an ordinary extract and loaded by the ordinary ETL: whatever the
dashboard shows for it went through the same checks as a bank's delivery. Every mapping choice
is stated here, once.

From the file, per client (``ID``): one customer and one revolving loan, contract_amount =
``LIMIT_BAL``; a snapshot at each month end 2005-04-30 … 2005-09-30 whose month uses
``BILL_AMT6`` … ``BILL_AMT1`` (April … September) and ``PAY_6``, ``PAY_5``, ``PAY_4``,
``PAY_3``, ``PAY_2``, ``PAY_0`` (April … September).

Derived by rule, because the file has no such field:

- balance: the statement balance; a negative one (a credit balance) becomes 0. Every client has
  a row in every month, status ``active``: a card with nothing owed is not closed, and a
  ``settled`` loan could not come back later (the loader rejects rows after a leaving row). A row
  with balance 0 is "not on the book" (METRICS.md preamble), so such a month drops out of every
  figure and the card is counted again when it is used again.
- days_past_due: repayment status k ≥ 1 (payment delayed k months) → 30k − 15, the middle of
  bucket Mk under the default edges (M1 = 15, M2 = 45, …, M6 = 165, 7 → 195, 8 → 225, 9 "nine
  months or more" → 255: all M7+); status ≤ 0 (no consumption, paid in full, minimum paid) → 0.
  The status stands even where the balance is 0; such a row is off the book anyway.
- classification: the credit-card rule of 《商业银行信用卡业务监督管理办法》, stricter than
  the general floors: dpd 0 normal, 1–90 special mention, 91–120 substandard, 121–180
  doubtful, over 180 loss.
- overdue_principal: a card k months behind owes at least k missed minimum payments; with no
  minimum-due field, each is taken as 10% of the statement balance: balance × min(k, 10) / 10,
  so never above the balance. interest_arrears 0 (no such field).

Synthetic, and marked so (the file has no institutions, staff, names or dates of issue):

- org tree: head office ``U000`` → four branches by ``EDUCATION`` (1 graduate school → ``U100``,
  2 university → ``U200``, 3 high school → ``U300``, any other code → ``U400``) → three
  sub-branches each by ``ID mod 3`` (``U101`` …); loans are booked at the sub-branch. Education
  is a real attribute that goes with default risk, so drilling down from the head office shows
  real differences between branches; the sub-branch split is arbitrary but reproducible.
- staff: two account managers per sub-branch (``M1011``, ``M1012``, …) by ``(ID // 3) mod 2``;
  each loan keeps its manager in every month.
- customers: individual, name ``持卡人 000123``, id_number ``SYNTHETIC-UCI-000123`` (no real
  identity exists), rating ``unrated``, no industry or region.
- loans: personal_consumer, credit, self payment, purpose 信用卡循环额度; disbursement
  2005-01-01 (the issue dates are unknown; any date before April keeps every snapshot after the
  disbursement month end, as the loader requires), maturity 2007-12-31, interest rate 18.00 as a
  placeholder (the file has no rate).
- inspections: header only; the data has none, so inspection compliance is not meaningful here.

Amounts stay in NT dollars, unconverted, in the contract's yuan columns: ratios (NPL ratio, flow
and cure rates) are unit-free, absolute amounts are NT$.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from daihou.generator.writer import (
    TableFile,
    amounts,
    entity_schema,
    ids,
    integers,
    join,
    pick,
    rates,
)
from etl.contract import CLASSES, ENTITIES, LOAD_ORDER

# The six month ends and, in the same order, the file's columns for them.
MONTH_ENDS: tuple[dt.date, ...] = (
    dt.date(2005, 4, 30),
    dt.date(2005, 5, 31),
    dt.date(2005, 6, 30),
    dt.date(2005, 7, 31),
    dt.date(2005, 8, 31),
    dt.date(2005, 9, 30),
)
PAY_COLUMNS: tuple[str, ...] = ("PAY_6", "PAY_5", "PAY_4", "PAY_3", "PAY_2", "PAY_0")
BILL_COLUMNS: tuple[str, ...] = tuple(f"BILL_AMT{i}" for i in range(6, 0, -1))
SOURCE_COLUMNS: tuple[str, ...] = ("ID", "LIMIT_BAL", "EDUCATION", *PAY_COLUMNS, *BILL_COLUMNS)

# Credit-card classification: inclusive upper dpd of normal, special mention, substandard and
# doubtful; loss above the last.
CLASS_UPPER_DPD: tuple[int, ...] = (0, 90, 120, 180)
MINIMUM_PAYMENT_TENTHS = 1  # each missed minimum payment = 1/10 of the statement balance

DISBURSEMENT = dt.date(2005, 1, 1)
MATURITY = dt.date(2007, 12, 31)
HIRE = dt.date(2004, 1, 1)
RATE_HUNDREDTHS = 1800  # 18.00 % a year, a placeholder
PURPOSE = "信用卡循环额度"

HEAD_OFFICE = ("U000", "UCI 样本银行总行")
# Branches by EDUCATION 1, 2, 3, then every other code: (org_id, name, education group).
BRANCHES: tuple[tuple[str, str, str], ...] = (
    ("U100", "一分行", "研究生"),
    ("U200", "二分行", "大学"),
    ("U300", "三分行", "高中"),
    ("U400", "四分行", "其他学历"),
)
SUB_BRANCHES_PER_BRANCH = 3  # by ID mod 3
MANAGERS_PER_SUB_BRANCH = 2  # by (ID // 3) mod 2

# The contract's required entities: the only ones this data can fill (inspections stay empty).
WRITTEN: tuple[str, ...] = tuple(n for n in LOAD_ORDER if ENTITIES[n].required)

Columns = dict[str, pa.Array]


def to_extract(source_csv: Path, out_dir: Path) -> dict[str, int]:
    """Write the contract extract of ``source_csv`` into ``out_dir``; return rows per entity."""
    clients = _read(Path(source_csv))
    orgs = _org_units()
    staff = _staff()
    sub_branch = _sub_branch_index(clients)
    manager = sub_branch * MANAGERS_PER_SUB_BRANCH + (
        clients["ID"].to_numpy() // SUB_BRANCHES_PER_BRANCH % MANAGERS_PER_SUB_BRANCH
    )
    tables = {
        "org_units": orgs,
        "staff": staff,
        "customers": _customers(clients),
        # org_units lists the head office, the branches, then the sub-branches
        "loans": _loans(clients, pick(orgs["org_id"], 1 + len(BRANCHES) + sub_branch)),
        "loan_snapshots": _snapshots(clients, pick(staff["staff_id"], manager)),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    for name in WRITTEN:
        f = TableFile(out_dir / f"{name}.csv", entity_schema(name), "csv")
        if name in tables:  # inspections: the header alone
            f.write(tables[name])
        f.close()
        rows[name] = f.rows
    return rows


def _read(source_csv: Path) -> pd.DataFrame:
    """The columns the mapping uses, refusing a file that is not the UCI layout."""
    header = pd.read_csv(source_csv, nrows=0).columns
    missing = [c for c in SOURCE_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{source_csv}: not the UCI credit-card file, missing {missing}")
    clients = pd.read_csv(source_csv, usecols=list(SOURCE_COLUMNS), dtype="int64")
    if not clients["ID"].is_unique:
        raise ValueError(f"{source_csv}: client IDs repeat; each ID becomes one loan")
    return clients.sort_values("ID", ignore_index=True)


def _sub_branch_index(clients: pd.DataFrame) -> np.ndarray:
    """Each client's sub-branch, 0-based: branch by EDUCATION, then ID mod 3 within it."""
    education = clients["EDUCATION"].to_numpy()
    branch = np.where((education >= 1) & (education <= 3), education - 1, len(BRANCHES) - 1)
    return branch * SUB_BRANCHES_PER_BRANCH + clients["ID"].to_numpy() % SUB_BRANCHES_PER_BRANCH


def _sub_branches() -> list[tuple[str, str, str]]:
    """(org_id, name, parent org_id) of the sub-branches, branch by branch: U101 一分行第1支行 …"""
    return [
        (f"{bid[:-1]}{s}", f"{bname}第{s}支行", bid)
        for bid, bname, _ in BRANCHES
        for s in range(1, SUB_BRANCHES_PER_BRANCH + 1)
    ]


def _org_units() -> Columns:
    """Head office, branches (named with the education group they hold), sub-branches."""
    subs = _sub_branches()
    return {
        "org_id": pa.array([HEAD_OFFICE[0], *(b[0] for b in BRANCHES), *(s[0] for s in subs)]),
        "org_name": pa.array(
            [HEAD_OFFICE[1], *(f"{name}（{group}）" for _, name, group in BRANCHES)]
            + [s[1] for s in subs]
        ),
        "level": pa.array(
            ["head_office"] + ["branch"] * len(BRANCHES) + ["sub_branch"] * len(subs)
        ),
        "parent_org_id": pa.array(
            [None] + [HEAD_OFFICE[0]] * len(BRANCHES) + [s[2] for s in subs], pa.string()
        ),
    }


def _staff() -> Columns:
    """Account managers M1011, M1012, M1021 … in sub-branch order, two per sub-branch."""
    org_ids = [s[0] for s in _sub_branches() for _ in range(MANAGERS_PER_SUB_BRANCH)]
    staff_ids = [f"M{org[1:]}{1 + i % MANAGERS_PER_SUB_BRANCH}" for i, org in enumerate(org_ids)]
    n = len(staff_ids)
    return {
        "staff_id": pa.array(staff_ids),
        "staff_name": pa.array([f"客户经理 {s}" for s in staff_ids]),
        "org_id": pa.array(org_ids),
        "role": pa.repeat(pa.scalar("account_manager"), n),
        "hire_date": pa.repeat(pa.scalar(HIRE), n),
        "leave_date": pa.nulls(n, pa.date32()),
    }


def _customers(clients: pd.DataFrame) -> Columns:
    """One individual per client; the name and id number are visibly placeholders."""
    client_id = clients["ID"].to_numpy()
    n = len(client_id)
    number = ids("", client_id, 6)
    return {
        "customer_id": ids("C", client_id, 6),
        "customer_name": join("持卡人 ", number),
        "customer_type": pa.repeat(pa.scalar("individual"), n),
        "id_number": join("SYNTHETIC-UCI-", number),
        "industry_code": pa.nulls(n, pa.string()),
        "region": pa.nulls(n, pa.string()),
        "credit_rating": pa.repeat(pa.scalar("unrated"), n),
        "rating_date": pa.nulls(n, pa.date32()),
    }


def _loans(clients: pd.DataFrame, org_id: pa.Array) -> Columns:
    """One revolving credit line per client, its limit as the contract amount."""
    client_id = clients["ID"].to_numpy()
    n = len(client_id)
    return {
        "loan_id": ids("L", client_id, 6),
        "customer_id": ids("C", client_id, 6),
        "org_id": org_id,
        "product": pa.repeat(pa.scalar("personal_consumer"), n),
        "contract_amount": amounts(clients["LIMIT_BAL"].to_numpy() * 100),
        "disbursement_date": pa.repeat(pa.scalar(DISBURSEMENT), n),
        "maturity_date": pa.repeat(pa.scalar(MATURITY), n),
        "interest_rate": rates(np.full(n, RATE_HUNDREDTHS)),
        "guarantee_type": pa.repeat(pa.scalar("credit"), n),
        "payment_mode": pa.repeat(pa.scalar("self"), n),
        "purpose": pa.repeat(pa.scalar(PURPOSE), n),
    }


def _snapshots(clients: pd.DataFrame, manager_id: pa.Array) -> Columns:
    """Six month ends per loan, month by month, from repayment status and statement balance."""
    months = len(MONTH_ENDS)
    rows = len(clients) * months
    # (clients, months) transposed and flattened: all clients of April, then of May, …
    status = clients[list(PAY_COLUMNS)].to_numpy().T.ravel()
    balance = np.maximum(clients[list(BILL_COLUMNS)].to_numpy().T.ravel(), 0)
    months_late = np.maximum(status, 0)
    dpd = np.where(months_late >= 1, 30 * months_late - 15, 0)
    overdue_tenths = np.minimum(months_late * MINIMUM_PAYMENT_TENTHS, 10)
    month_end = np.array(MONTH_ENDS, dtype="datetime64[D]")
    return {
        "as_of_date": pa.array(np.repeat(month_end, len(clients))),
        "loan_id": ids("L", np.tile(clients["ID"].to_numpy(), months), 6),
        "manager_id": pa.concat_arrays([manager_id] * months),
        "balance": amounts(balance * 100),
        "classification": pick(CLASSES, np.searchsorted(CLASS_UPPER_DPD, dpd)),
        "days_past_due": integers(dpd),
        # fen: balance × 100 × tenths / 10
        "overdue_principal": amounts(balance * 10 * overdue_tenths),
        "interest_arrears": amounts(np.zeros(rows)),
        "status": pa.repeat(pa.scalar("active"), rows),
    }
