"""The demo-bank generator on the small scale: contract shape, validity rules, determinism and
the planted patterns (diligence, floor breaches, portfolio figures)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from daihou.generator import generate
from daihou.generator.calendar import window_month_ends
from daihou.generator.names import ID_WEIGHTS, ORG_CODE_WEIGHTS, USCC_CHARS, USCC_WEIGHTS
from etl.contract import CODE_LISTS, ENTITIES, LEAVING_STATUSES, NPL_CLASSES, ColType

SEED = 20251231
AS_OF = date(2025, 12, 31)
FUTURE_OK = {("loans", "maturity_date"), ("repayments", "due_date")}


@pytest.fixture(scope="session")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "small"
    generate(out, scale="small", seed=SEED)
    return out


@pytest.fixture(scope="session")
def db(extract: Path) -> duckdb.DuckDBPyConnection:
    """Every entity file as a DuckDB view, typed as the contract says."""
    con = duckdb.connect()
    for name, entity in ENTITIES.items():
        types = {
            c.name: {ColType.DATE: "DATE", ColType.AMOUNT: "DECIMAL(18,2)"}.get(c.type, "VARCHAR")
            for c in entity.columns
        }
        types["days_past_due"] = types["installment_no"] = "INTEGER"
        types = {k: v for k, v in types.items() if k in entity.column_names}
        con.read_csv(str(extract / f"{name}.csv"), header=True, dtype=types).create_view(name)
    return con


def one(db: duckdb.DuckDBPyConnection, sql: str) -> object:
    return db.execute(sql).fetchone()[0]


def digest(folder: Path) -> dict[str, str]:
    return {
        str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(folder.rglob("*"))
        if f.is_file()
    }


def test_every_entity_file_has_the_contract_columns(extract: Path) -> None:
    for name, entity in ENTITIES.items():
        lines = (extract / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join(entity.column_names), name
        assert len(lines) > 1, f"{name} is empty"
    manifest = json.loads((extract / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["month_ends"][-1] == AS_OF.isoformat() and len(manifest["month_ends"]) == 36
    assert set(manifest["rows"]) == set(ENTITIES)


def test_cells_are_written_in_the_contract_formats(extract: Path) -> None:
    """Amounts plain with two decimals (never 1e+07), ISO dates, true/false, codes listed."""
    patterns = {
        ColType.AMOUNT: r"^\d+\.\d\d$",
        ColType.DATE: r"^\d{4}-\d\d-\d\d$",
        ColType.BOOLEAN: r"^(true|false)$",
        ColType.INTEGER: r"^\d+$",
        ColType.NUMBER: r"^\d+\.\d\d$",
    }
    for name, entity in ENTITIES.items():
        table = pcsv.read_csv(
            extract / f"{name}.csv",
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(entity.column_names, "string"),
                strings_can_be_null=True,
            ),
        ).to_pandas()
        for col in entity.columns:
            values = table[col.name]
            assert col.nullable or values.notna().all(), (name, col.name)
            values = values.dropna()
            if col.type in patterns:
                bad = values[~values.str.match(patterns[col.type])]
                assert bad.empty, (name, col.name, bad.head().tolist())
            if col.codes:
                assert set(values) <= set(CODE_LISTS[col.codes]), (name, col.name)


def test_keys_are_unique_and_references_resolve(db: duckdb.DuckDBPyConnection) -> None:
    for name, entity in ENTITIES.items():
        key = ", ".join(entity.key)
        dupes = one(
            db, f"SELECT count(*) FROM (SELECT {key} FROM {name} GROUP BY ALL HAVING count(*) > 1)"
        )
        assert dupes == 0, name
        for col in entity.columns:
            if col.ref:
                target = ENTITIES[col.ref].key[0]
                missing = one(
                    db,
                    f"SELECT count(*) FROM {name} WHERE {col.name} IS NOT NULL AND {col.name} "
                    f"NOT IN (SELECT {target} FROM {col.ref})",
                )
                assert missing == 0, (name, col.name)
    assert one(db, "SELECT count(*) FROM org_units WHERE parent_org_id IS NULL") == 1


def test_nothing_is_dated_after_the_as_of_date(db: duckdb.DuckDBPyConnection) -> None:
    for name, entity in ENTITIES.items():
        for col in entity.columns:
            if col.type == ColType.DATE and (name, col.name) not in FUTURE_OK:
                assert one(db, f"SELECT max({col.name}) FROM {name}") <= AS_OF, (name, col.name)
    assert one(db, "SELECT max(due_date) FROM repayments WHERE paid_date IS NULL") > AS_OF


def test_dates_are_plausible(db: duckdb.DuckDBPyConnection) -> None:
    checks = {
        "disbursement after maturity": "SELECT count(*) FROM loans "
        "WHERE disbursement_date > maturity_date",
        "inspection before disbursement": "SELECT count(*) FROM inspections i JOIN loans l "
        "USING (loan_id) WHERE i.inspection_date < l.disbursement_date",
        "report before inspection": "SELECT count(*) FROM inspections "
        "WHERE report_date < inspection_date",
        "resolved before raised": "SELECT count(*) FROM warning_signals "
        "WHERE resolved_date < signal_date",
        "snapshot before disbursement month": "SELECT count(*) FROM loan_snapshots s "
        "JOIN loans l USING (loan_id) WHERE s.as_of_date < last_day(l.disbursement_date)",
        "manager not employed": "SELECT count(*) FROM loan_snapshots s JOIN staff t "
        "ON t.staff_id = s.manager_id WHERE t.hire_date > s.as_of_date "
        "OR t.leave_date <= s.as_of_date",
        "inspector not employed": "SELECT count(*) FROM inspections i JOIN staff t "
        "USING (staff_id) WHERE t.hire_date > i.inspection_date "
        "OR t.leave_date <= i.inspection_date",
    }
    for what, sql in checks.items():
        assert one(db, sql) == 0, what
    months = [
        r[0]
        for r in db.execute("SELECT DISTINCT as_of_date FROM loan_snapshots ORDER BY 1").fetchall()
    ]
    assert months == window_month_ends()


def test_snapshots_are_consistent_per_loan(db: duckdb.DuckDBPyConnection) -> None:
    leaving = ", ".join(f"'{s}'" for s in LEAVING_STATUSES)
    assert one(db, "SELECT count(*) FROM loan_snapshots WHERE overdue_principal > balance") == 0
    assert (
        one(db, f"SELECT count(*) FROM loan_snapshots WHERE status IN ({leaving}) AND balance <> 0")
        == 0
    )
    after_leaving = f"""
        SELECT count(*) FROM loan_snapshots s JOIN (
            SELECT loan_id, min(as_of_date) AS left_on FROM loan_snapshots
            WHERE status IN ({leaving}) GROUP BY loan_id
        ) x USING (loan_id) WHERE s.as_of_date > x.left_on"""
    assert one(db, after_leaving) == 0
    gaps = """
        SELECT count(*) FROM (SELECT loan_id, count(*) AS n, min(as_of_date) AS a,
            max(as_of_date) AS b FROM loan_snapshots GROUP BY loan_id)
        WHERE n <> date_diff('month', a, b) + 1"""
    assert one(db, gaps) == 0


def test_arrears_match_the_repayment_schedule(db: duckdb.DuckDBPyConnection) -> None:
    """Overdue principal, interest arrears and dpd follow from the unpaid instalments."""
    sql = """
        WITH unpaid AS (
            SELECT s.as_of_date, s.loan_id, s.overdue_principal, s.interest_arrears,
                s.days_past_due,
                coalesce(sum(r.principal_due), 0) AS principal,
                coalesce(sum(r.interest_due), 0) AS interest,
                min(r.due_date) AS oldest
            FROM loan_snapshots s LEFT JOIN repayments r ON r.loan_id = s.loan_id
                AND r.due_date < s.as_of_date
                AND (r.paid_date IS NULL OR r.paid_date > s.as_of_date)
            WHERE s.status = 'active' GROUP BY ALL)
        SELECT count(*) FROM unpaid WHERE principal <> overdue_principal
            OR interest <> interest_arrears
            OR coalesce(date_diff('day', oldest, as_of_date), 0) <> days_past_due"""
    assert one(db, sql) == 0
    settled_in_full = """
        SELECT count(*) FROM loans l JOIN (SELECT loan_id, sum(principal_paid) AS paid
            FROM repayments GROUP BY 1) r USING (loan_id)
        WHERE l.disbursement_date >= DATE '2023-01-01'
          AND loan_id IN (SELECT loan_id FROM loan_snapshots WHERE status = 'settled')
          AND r.paid <> l.contract_amount"""
    assert one(db, settled_in_full) == 0


def test_handed_over_when_the_manager_leaves(db: duckdb.DuckDBPyConnection) -> None:
    leavers = one(db, "SELECT count(*) FROM staff WHERE leave_date IS NOT NULL")
    assert leavers / one(db, "SELECT count(*) FROM staff") > 0.04
    handed_over = one(
        db,
        """SELECT count(*) FROM (SELECT loan_id FROM loan_snapshots GROUP BY 1
            HAVING count(DISTINCT manager_id) > 1)""",
    )
    assert handed_over > 0
    one_manager = """SELECT count(*) FROM (SELECT l.customer_id, s.as_of_date FROM loan_snapshots s
        JOIN loans l USING (loan_id) GROUP BY ALL HAVING count(DISTINCT s.manager_id) > 1)"""
    assert one(db, one_manager) == 0  # one responsible manager per customer at a time


def test_every_bucket_class_and_leaving_status_occurs(db: duckdb.DuckDBPyConnection) -> None:
    buckets = one(
        db,
        """SELECT list(DISTINCT CASE WHEN days_past_due = 0 THEN 0
            ELSE least((days_past_due + 29) // 30, 7) END)
        FROM loan_snapshots WHERE status = 'active'""",
    )
    assert sorted(buckets) == list(range(8))
    assert set(one(db, "SELECT list(DISTINCT classification) FROM loan_snapshots")) == set(
        CODE_LISTS["classification"]
    )
    assert set(one(db, "SELECT list(DISTINCT status) FROM loan_snapshots")) == set(
        CODE_LISTS["loan_status"]
    )
    for name, col in (
        ("loans", "product"),
        ("customers", "customer_type"),
        ("inspections", "inspection_type"),
    ):
        codes = CODE_LISTS[ENTITIES[name].column(col).codes]
        assert set(one(db, f"SELECT list(DISTINCT {col}) FROM {name}")) == set(codes), col


def test_portfolio_figures_are_plausible(db: duckdb.DuckDBPyConnection) -> None:
    npl = ", ".join(f"'{c}'" for c in NPL_CLASSES)
    by_branch = db.execute(
        f"""SELECT split_part(l.org_id, '-', 1) AS branch,
            sum(s.balance) FILTER (WHERE classification IN ({npl})) / sum(s.balance) AS npl,
            sum(s.balance) FILTER (WHERE classification = 'special_mention') / sum(s.balance),
            sum(s.balance)
        FROM loan_snapshots s JOIN loans l USING (loan_id)
        WHERE s.as_of_date = DATE '2025-12-31' AND s.status = 'active' AND s.balance > 0
        GROUP BY ALL"""
    ).df()
    weights = by_branch.iloc[:, 3].astype(float)
    npl_ratio = (by_branch["npl"].astype(float).fillna(0) * weights).sum() / weights.sum()
    assert 0.01 <= npl_ratio <= 0.05
    assert by_branch["npl"].max() > 2 * by_branch["npl"].min()  # branches differ visibly
    assert one(db, "SELECT count(*) FROM loans") == pytest.approx(20_000, rel=0.15)


def test_planted_breaches_are_exactly_the_floor_breaches(
    extract: Path, db: duckdb.DuckDBPyConnection
) -> None:
    floor = """CASE WHEN days_past_due > 360 THEN 4 WHEN days_past_due > 270 THEN 3
        WHEN days_past_due > 90 THEN 2 WHEN days_past_due > 7 THEN 1 ELSE 0 END"""
    rank = f"list_position({list(CODE_LISTS['classification'])}, classification) - 1"
    found = db.execute(
        f"SELECT as_of_date, loan_id FROM loan_snapshots "
        f"WHERE status = 'active' AND {rank} < {floor}"
    ).df()
    planted = pd.read_csv(extract / "_truth" / "planted_breaches.csv", parse_dates=["as_of_date"])
    assert len(planted) > 0
    key = lambda df: set(zip(df["as_of_date"].dt.date, df["loan_id"], strict=True))  # noqa: E731
    assert key(found.assign(as_of_date=pd.to_datetime(found["as_of_date"]))) == key(planted)
    overdue_rows = one(db, "SELECT count(*) FROM loan_snapshots WHERE days_past_due > 7")
    assert len(planted) < 0.02 * overdue_rows


def test_diligent_managers_inspect_on_time_more_than_lax_ones(extract: Path) -> None:
    truth = pd.read_csv(extract / "_truth" / "manager_diligence.csv")
    assert {"diligent", "lax", "late", "phone_corporate", "no_reports"} <= set(truth["profile"])
    inspections = pd.read_csv(
        extract / "inspections.csv", parse_dates=["inspection_date", "report_date"]
    )
    loans = pd.read_csv(extract / "loans.csv", parse_dates=["disbursement_date"])
    first = inspections[inspections["inspection_type"] == "first"].merge(loans, on="loan_id")
    allowed = first["payment_mode"].map({"self": 3, "entrusted": 7})
    first["on_time"] = (first["inspection_date"] - first["disbursement_date"]).dt.days <= allowed
    first = first.merge(truth[["staff_id", "profile"]], on="staff_id")
    share = first.groupby("profile")["on_time"].mean()
    assert share["diligent"] > 0.9
    assert share["diligent"] > share["lax"] + 0.25
    assert share["diligent"] > share["late"] + 0.4
    reports = inspections.merge(truth[["staff_id", "profile"]], on="staff_id")
    no_report = reports["report_date"].isna().groupby(reports["profile"]).mean()
    assert no_report["no_reports"] > no_report["diligent"] + 0.3


def test_identity_numbers_carry_valid_check_characters(db: duckdb.DuckDBPyConnection) -> None:
    ids = [r[0] for r in db.execute("SELECT id_number FROM customers").fetchall()]
    assert all(len(i) == 18 for i in ids)
    for number in ids[:2000]:
        if re.fullmatch(r"\d{17}[\dX]", number) and number[:1] != "9":
            total = sum(int(c) * w for c, w in zip(number[:17], ID_WEIGHTS, strict=True))
            assert "10X98765432"[total % 11] == number[17], number
        else:
            values = [USCC_CHARS.index(c) for c in number]
            check = (
                31 - sum(v * int(w) for v, w in zip(values[:17], USCC_WEIGHTS, strict=True)) % 31
            ) % 31
            assert values[17] == check, number
            org = (
                11
                - sum(int(c) * int(w) for c, w in zip(number[8:16], ORG_CODE_WEIGHTS, strict=True))
                % 11
            )
            assert number[16] == {10: "X", 11: "0"}.get(org, str(org)), number


def test_the_same_seed_gives_the_same_bytes(extract: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, scale="small", seed=SEED)
    assert digest(again) == digest(extract)
    other = tmp_path / "other"
    generate(other, scale="small", seed=SEED + 1)
    theirs = digest(other)
    assert theirs["loans.csv"] != digest(extract)["loans.csv"]


def test_parquet_holds_the_same_data(extract: Path, tmp_path: Path) -> None:
    out = tmp_path / "pq"
    rows = generate(out, scale="small", seed=SEED, fmt="parquet")
    for name in ("loans", "loan_snapshots", "inspections"):
        table = pq.read_table(out / f"{name}.parquet")
        assert table.num_rows == rows[name]
        assert table.column_names == list(ENTITIES[name].column_names)
    csv_loans = pcsv.read_csv(extract / "loans.csv").to_pandas()
    pq_loans = pq.read_table(out / "loans.parquet").to_pandas()
    assert (pq_loans["loan_id"] == csv_loans["loan_id"]).all()
    assert (pq_loans["contract_amount"].astype(float) == csv_loans["contract_amount"]).all()
