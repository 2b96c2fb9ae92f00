"""The loader on a hand-written tiny extract: every contract check, atomicity, idempotence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from extract_builder import TINY, copy_tables, write_extract

from daihou.settings import Settings
from etl.contract import ENTITIES
from etl.load import load_extract
from etl.read import ExtractError
from warehouse.connection import Warehouse

TODAY = dt.date(2026, 1, 15)


def settings_for(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "wh.duckdb", data_dir=tmp_path)


def fingerprint(settings: Settings) -> dict[str, tuple]:
    """Row count and a checksum of every warehouse table: equal fingerprints, equal data."""
    wh = Warehouse(settings.warehouse_path)
    if not wh.exists():
        return {}
    with wh.connect_read_only() as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {
            t: con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {t}").fetchone()
            for t in sorted(tables)
            if t not in ("meta_load_run", "meta_load_file")  # carry timestamps and ids
        }


def rejects(settings: Settings) -> list[tuple]:
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        return con.execute(
            "SELECT entity, row_number, column_name, check_code, reason, reason_en "
            "FROM meta_rejected_row WHERE load_id = (SELECT max(load_id) FROM meta_load_run) "
            "ORDER BY entity, row_number"
        ).fetchall()


def load_broken(tmp_path: Path, entity: str, row: int, **changes: str) -> list[tuple]:
    """Load TINY with one row changed; return the rejects of that load."""
    tables = copy_tables()
    tables[entity][row].update(changes)
    settings = settings_for(tmp_path)
    load_extract(write_extract(tmp_path / "ex", tables), settings, today=TODAY)
    return rejects(settings)


def test_tiny_extract_loads_every_row(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    summary = load_extract(write_extract(tmp_path / "ex"), settings, today=TODAY)
    assert summary.status == "loaded"
    assert summary.delivery_as_of == dt.date(2025, 3, 31)
    assert {e.entity: e.rows_loaded for e in summary.entities} == {
        k: len(v) for k, v in TINY.items()
    }
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        # the subtree of BR1 is BR1, SB1, SB2
        sub = con.execute(
            "SELECT list(org_id ORDER BY org_id) FROM bridge_org_subtree "
            "WHERE ancestor_org_id = 'BR1'"
        ).fetchone()[0]
        assert sub == ["BR1", "SB1", "SB2"]
        # 2025-01-28 is a Spring Festival holiday (Tue), 2025-01-26 a make-up working day (Sun)
        days = dict(
            con.execute(
                "SELECT date_key, is_working_day FROM dim_date "
                "WHERE date_key IN (DATE '2025-01-26', DATE '2025-01-27', DATE '2025-01-28')"
            ).fetchall()
        )
        assert days == {
            dt.date(2025, 1, 26): True,
            dt.date(2025, 1, 27): True,
            dt.date(2025, 1, 28): False,
        }
        # 1,000,000 + 250,000 + 80,000 on the book at 2025-03-31 (L2 settled)
        total = con.execute(
            "SELECT sum(balance) FROM fct_loan_snapshot "
            "WHERE as_of_date = DATE '2025-03-31' AND status = 'active'"
        ).fetchone()[0]
        assert total == 1_330_000
        ratings = con.execute("SELECT count(*) FROM dim_customer_rating").fetchone()[0]
        assert ratings == 2  # C1 and C3 have a rating date; C2 is unrated without one


def test_loading_twice_changes_nothing(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    ex = write_extract(tmp_path / "ex")
    load_extract(ex, settings, today=TODAY)
    first = fingerprint(settings)
    load_extract(ex, settings, today=TODAY)
    assert fingerprint(settings) == first


def test_redelivered_month_replaces_that_month_only(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    load_extract(write_extract(tmp_path / "ex"), settings, today=TODAY)
    correction = copy_tables()
    feb = [r for r in correction["loan_snapshots"] if r["as_of_date"] == "2025-02-28"]
    for r in feb:
        if r["loan_id"] == "L1":
            r["balance"] = "900000.00"
    correction["loan_snapshots"] = feb
    load_extract(write_extract(tmp_path / "fix", correction), settings, today=TODAY)
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        by_month = dict(
            con.execute(
                "SELECT as_of_date, sum(balance) FROM fct_loan_snapshot GROUP BY 1"
            ).fetchall()
        )
    # Jan: 1,000,000 + 48,000 + 250,000; Feb: 900,000 (corrected) + 48,000 + 250,000 + 80,000;
    # Mar: 1,000,000 + 0 + 250,000 + 80,000
    assert by_month == {
        dt.date(2025, 1, 31): 1_298_000,
        dt.date(2025, 2, 28): 1_278_000,
        dt.date(2025, 3, 31): 1_330_000,
    }


@pytest.mark.parametrize(
    ("entity", "row", "changes", "column", "check", "words"),
    [
        ("loans", 0, {"product": "car_loan"}, "product", "unknown_code", "car_loan"),
        ("loans", 1, {"contract_amount": "5万"}, "contract_amount", "not_an_amount", "5万"),
        ("loan_snapshots", 0, {"balance": "-100.00"}, "balance", "negative", "-100.00"),
        (
            "loan_snapshots",
            4,
            {"overdue_principal": "60000"},
            "overdue_principal",
            "overdue_above_balance",
            "60000",
        ),
        (
            "loans",
            2,
            {"maturity_date": "2023-01-01"},
            "maturity_date",
            "maturity_before_disbursement",
            "2023-01-01",
        ),
        (
            "inspections",
            0,
            {"inspection_date": "2025-13-45"},
            "inspection_date",
            "bad_date",
            "2025-13-45",
        ),
        ("loan_snapshots", 0, {"loan_id": "L999"}, "loan_id", "unknown_reference", "L999"),
        ("staff", 0, {"role": ""}, "role", "missing", "role"),
        (
            "loan_snapshots",
            0,
            {"as_of_date": "2025-01-15"},
            "as_of_date",
            "not_month_end",
            "2025-01-15",
        ),
        (
            "inspections",
            1,
            {"inspection_date": "2026-01-05"},
            "inspection_date",
            "after_as_of",
            "2025-03-31",
        ),
        (
            "inspections",
            0,
            {"inspection_date": "2024-06-01"},
            "inspection_date",
            "inspection_before_disbursement",
            "L1",
        ),
        ("customers", 1, {"credit_rating": "AAAA"}, "credit_rating", "unknown_code", "AAAA"),
        ("inspections", 0, {"risk_found": "maybe"}, "risk_found", "not_a_boolean", "maybe"),
        # a cast would round these silently: they are refused instead
        (
            "loans",
            0,
            {"contract_amount": "1000000.005"},
            "contract_amount",
            "not_an_amount",
            "1000000.005",
        ),
        ("loan_snapshots", 4, {"days_past_due": "28.5"}, "days_past_due", "not_an_integer", "28.5"),
    ],
)
def test_bad_value_is_rejected_with_its_reason(
    tmp_path: Path, entity: str, row: int, changes: dict, column: str, check: str, words: str
) -> None:
    found = load_broken(tmp_path, entity, row, **changes)
    mine = [r for r in found if r[0] == entity and r[1] == row + 1]
    assert mine, f"row {row + 1} of {entity} was not rejected; rejects: {found}"
    assert (column, check) in {(r[2], r[3]) for r in mine}
    reason = next(r for r in mine if r[3] == check)
    assert words in reason[4] and words in reason[5]  # the value is named, in both languages
    # data rows count from 1: the rejected row is row+1
    with Warehouse(settings_for(tmp_path).warehouse_path).connect_read_only() as con:
        loaded = con.execute(
            "SELECT rows_loaded, rows_rejected FROM meta_load_file WHERE entity = $e",
            {"e": entity},
        ).fetchone()
    assert loaded[1] == len({r[1] for r in found if r[0] == entity})
    assert loaded[0] + loaded[1] == len(TINY[entity])


def test_thousands_separators_are_read_exactly(tmp_path: Path) -> None:
    tables = copy_tables()
    tables["loans"][0]["contract_amount"] = "1,000,000.00"
    settings = settings_for(tmp_path)
    summary = load_extract(write_extract(tmp_path / "ex", tables), settings, today=TODAY)
    assert summary.rows_rejected == 0
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        amount = con.execute("SELECT contract_amount FROM dim_loan WHERE loan_id = 'L1'").fetchone()
    assert amount == (1_000_000,)


def test_rejected_loan_takes_its_snapshots_with_it(tmp_path: Path) -> None:
    found = load_broken(tmp_path, "loans", 3, payment_mode="wire")  # L4
    snapshot_rejects = {(r[1], r[3]) for r in found if r[0] == "loan_snapshots"}
    # L4's two snapshots are rows 10 and 11; their loan no longer resolves
    assert snapshot_rejects == {(10, "unknown_reference"), (11, "unknown_reference")}


def test_duplicate_key_rejects_every_copy(tmp_path: Path) -> None:
    tables = copy_tables()
    tables["customers"].append({**tables["customers"][1], "customer_name": "赵六（重复）"})
    settings = settings_for(tmp_path)
    load_extract(write_extract(tmp_path / "ex", tables), settings, today=TODAY)
    found = [r for r in rejects(settings) if r[3] == "duplicate_key"]
    assert [(r[0], r[1]) for r in found] == [("customers", 2), ("customers", 4)]
    assert "C2" in found[0][4] and "2, 4" in found[0][4]
    # C2's loan cannot resolve its customer any more, so L2 goes too, and its snapshots
    others = {(r[0], r[3]) for r in rejects(settings) if r[3] != "duplicate_key"}
    assert ("loans", "unknown_reference") in others


def test_snapshot_after_leaving_the_book_is_rejected(tmp_path: Path) -> None:
    tables = copy_tables()
    # L2 settled at 2025-03-31 (row 6); a 12th row for April must be refused
    assert tables["loan_snapshots"][5]["status"] == "settled"
    tables["loan_snapshots"].append({**tables["loan_snapshots"][5], "as_of_date": "2025-04-30"})
    settings = settings_for(tmp_path)
    load_extract(write_extract(tmp_path / "ex", tables), settings, today=TODAY)
    found = [r for r in rejects(settings) if r[3] == "after_leaving"]
    assert [(r[0], r[1]) for r in found] == [("loan_snapshots", 12)]


def test_org_cycle_is_rejected_and_two_roots_refuse_the_file(tmp_path: Path) -> None:
    tables = copy_tables()
    tables["org_units"].append(
        {"org_id": "X1", "org_name": "环", "level": "branch", "parent_org_id": "X2"}
    )
    tables["org_units"].append(
        {"org_id": "X2", "org_name": "环", "level": "branch", "parent_org_id": "X1"}
    )
    settings = settings_for(tmp_path)
    load_extract(write_extract(tmp_path / "ex", tables), settings, today=TODAY)
    assert {(r[1], r[3]) for r in rejects(settings) if r[0] == "org_units"} == {
        (5, "org_unreachable"),
        (6, "org_unreachable"),
    }
    before = fingerprint(settings)
    tables = copy_tables()
    tables["org_units"].append(
        {"org_id": "HO2", "org_name": "另一总行", "level": "head_office", "parent_org_id": ""}
    )
    with pytest.raises(ExtractError, match=r"exactly one root.*found 2: HO, HO2"):
        load_extract(write_extract(tmp_path / "ex2", tables), settings, today=TODAY)
    assert fingerprint(settings) == before


def test_gbk_csv_with_chinese_headers_loads(tmp_path: Path) -> None:
    headers = {entity: {c.name: c.alias_zh for c in ENTITIES[entity].columns} for entity in TINY}
    ex = write_extract(tmp_path / "ex", encoding="gbk", headers=headers)
    assert (ex / "org_units.csv").read_bytes().startswith("机构号".encode("gbk"))
    settings = settings_for(tmp_path)
    summary = load_extract(ex, settings, today=TODAY)
    assert summary.rows_rejected == 0
    assert {e.encoding for e in summary.entities} == {"gb18030"}
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        assert con.execute("SELECT org_name FROM dim_org WHERE org_id = 'SB1'").fetchone() == (
            "城东一支行",
        )


def test_utf8_bom_csv_loads(tmp_path: Path) -> None:
    ex = write_extract(tmp_path / "ex", encoding="utf-8-sig")
    summary = load_extract(ex, settings_for(tmp_path), today=TODAY)
    assert summary.rows_rejected == 0
    assert summary.rows_loaded == sum(len(v) for v in TINY.values())


def test_xlsx_file_loads(tmp_path: Path) -> None:
    ex = write_extract(tmp_path / "ex")
    (ex / "loans.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    names = list(TINY["loans"][0])
    ws.append([ENTITIES["loans"].column(n).alias_zh for n in names])  # Chinese headers
    for r in TINY["loans"]:
        values: list[object] = [r[n] or None for n in names]
        # Excel users type dates and amounts as native cells
        values[names.index("disbursement_date")] = dt.date.fromisoformat(r["disbursement_date"])
        values[names.index("contract_amount")] = float(r["contract_amount"])
        ws.append(values)
    wb.save(ex / "loans.xlsx")
    settings = settings_for(tmp_path)
    summary = load_extract(ex, settings, today=TODAY)
    assert summary.rows_rejected == 0
    loans = next(e for e in summary.entities if e.entity == "loans")
    assert (loans.file_format, loans.rows_loaded) == ("xlsx", 4)
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        assert con.execute(
            "SELECT contract_amount, disbursement_date FROM dim_loan WHERE loan_id = 'L1'"
        ).fetchone() == (1_000_000, dt.date(2024, 6, 15))


def test_missing_required_column_refuses_the_whole_load(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    load_extract(write_extract(tmp_path / "ex"), settings, today=TODAY)
    before = fingerprint(settings)
    tables = copy_tables()
    for r in tables["loan_snapshots"]:
        r["balance"] = str(float(r["balance"]) + 1)
    for r in tables["loans"]:
        del r["maturity_date"]
    with pytest.raises(
        ExtractError, match=r"loans\.csv: required column\(s\) missing: maturity_date"
    ):
        load_extract(write_extract(tmp_path / "bad", tables), settings, today=TODAY)
    assert fingerprint(settings) == before


def test_missing_entity_file_and_undecodable_text_refuse(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    ex = write_extract(tmp_path / "ex")
    (ex / "inspections.csv").unlink()
    with pytest.raises(ExtractError, match=r"required entity file.*inspections"):
        load_extract(ex, settings, today=TODAY)
    ex = write_extract(tmp_path / "ex2")
    (ex / "staff.csv").write_bytes(b"staff_id,staff_name\n\xff\xfe\xfa\x80\x81,x\n")
    with pytest.raises(ExtractError, match=r"staff\.csv"):
        load_extract(ex, settings, today=TODAY)
    assert not Warehouse(settings.warehouse_path).exists()


def test_unknown_columns_are_kept_aside(tmp_path: Path) -> None:
    tables = copy_tables()
    for i, r in enumerate(tables["staff"]):
        r["工位"] = f"A-{i}"
    settings = settings_for(tmp_path)
    summary = load_extract(write_extract(tmp_path / "ex", tables), settings, today=TODAY)
    staff = next(e for e in summary.entities if e.entity == "staff")
    assert staff.extra_columns == ["工位"] and staff.rows_rejected == 0
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        kept = con.execute(
            "SELECT row_number, value FROM meta_extra_value ORDER BY row_number"
        ).fetchall()
    assert kept == [(1, "A-0"), (2, "A-1"), (3, "A-2")]
