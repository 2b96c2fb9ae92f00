"""Parquet columns that already have the contract's type are used as they are (etl.validate):
every check still applies, and a value gets the same decision, row and reason as its text in a
CSV. Each test loads one extract twice, as typed Parquet and as its CSV twin (each value
written as the text DuckDB shows for it), and compares what was loaded and rejected."""

from __future__ import annotations

import csv
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from extract_builder import TINY

import etl.load
from daihou.settings import Settings
from etl.contract import ENTITIES, ColType
from etl.load import TARGETS, load_extract
from etl.read import ExtractError
from warehouse.connection import Warehouse

TODAY = dt.date(2026, 1, 15)
ARROW = {
    ColType.DATE: pa.date32(),
    ColType.AMOUNT: pa.decimal128(18, 2),
    ColType.INTEGER: pa.int32(),
    ColType.NUMBER: pa.decimal128(9, 4),
    ColType.BOOLEAN: pa.bool_(),
}

Tables = dict[str, dict[str, tuple[pa.DataType, list]]]  # entity -> column -> (type, values)


def typed_tables() -> Tables:
    """TINY with every column in its contract type."""
    out: Tables = {}
    for entity, rows in TINY.items():
        out[entity] = {}
        for name in rows[0]:
            kind = ENTITIES[entity].column(name).type
            typ = ARROW.get(kind, pa.string())
            out[entity][name] = (typ, [_typed(r[name], typ) for r in rows])
    return out


def _typed(text: str, typ: pa.DataType) -> object:
    if text == "" and not pa.types.is_string(typ):
        return None
    if pa.types.is_date(typ):
        return dt.date.fromisoformat(text)
    if pa.types.is_decimal(typ):
        return Decimal(text).quantize(Decimal(1).scaleb(-typ.scale))
    if pa.types.is_integer(typ):
        return int(text)
    if pa.types.is_boolean(typ):
        return text == "true"
    return text


def _text(value: object) -> str:
    """The text DuckDB shows for a typed value (what a CSV of the same data holds)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return str(value)


def write_both(tmp_path: Path, tables: Tables) -> tuple[Path, Path]:
    """The extract as typed Parquet files and as CSV files."""
    typed, text = tmp_path / "parquet", tmp_path / "csv"
    for folder in (typed, text):
        folder.mkdir()
    for entity, cols in tables.items():
        arrays = [pa.array(values, typ) for typ, values in cols.values()]
        pq.write_table(pa.Table.from_arrays(arrays, names=list(cols)), typed / f"{entity}.parquet")
        with open(text / f"{entity}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(cols))
            columns = ([_text(v) for v in values] for _, values in cols.values())
            w.writerows(zip(*columns, strict=True))
    return typed, text


def outcome(extract: Path, folder: Path) -> dict[str, list]:
    """What a load of ``extract`` decided: the rejected rows and every loaded table."""
    settings = Settings(warehouse=folder / "wh.duckdb", data_dir=folder)
    load_extract(extract, settings, today=TODAY)
    with Warehouse(settings.warehouse_path).connect_read_only() as con:
        out = {
            "rejects": con.execute(
                "SELECT entity, row_number, column_name, value, check_code, reason, reason_en "
                "FROM meta_rejected_row ORDER BY ALL"
            ).fetchall()
        }
        for table, _ in TARGETS.values():
            out[table] = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    return out


def test_typed_parquet_loads_as_its_csv(tmp_path: Path) -> None:
    typed, text = write_both(tmp_path, typed_tables())
    got = outcome(typed, tmp_path / "wh_parquet")
    assert got["rejects"] == []
    assert len(got["fct_loan_snapshot"]) == len(TINY["loan_snapshots"])
    assert got == outcome(text, tmp_path / "wh_csv")


D = Decimal
BIG = D("1" + "0" * 17 + ".00")  # 18 digits before the point: no contract amount
CASES = [
    # (entity, data row, column, arrow type of the column, the value, the check expected)
    ("loans", 2, "contract_amount", pa.decimal128(18, 2), D("-5.00"), "negative"),
    ("loans", 1, "contract_amount", pa.decimal128(18, 4), D("1.2345"), "not_an_amount"),
    ("loans", 1, "contract_amount", pa.decimal128(20, 2), BIG, "not_an_amount"),
    ("loans", 1, "interest_rate", pa.decimal128(9, 2), D("123456.78"), "not_a_number"),
    ("loans", 1, "interest_rate", pa.decimal128(9, 2), D("5.25"), None),
    ("loans", 4, "contract_amount", pa.int64(), 0, "not_positive"),
    ("loan_snapshots", 2, "overdue_principal", pa.decimal128(18, 2), D("-0.01"), "negative"),
    ("loan_snapshots", 7, "overdue_principal", pa.decimal128(18, 2), D("900000.00"),
     "overdue_above_balance"),
    ("loan_snapshots", 5, "days_past_due", pa.int64(), 3_000_000_000, "not_an_integer"),
    ("loan_snapshots", 5, "days_past_due", pa.int64(), -1, "negative"),
    ("loan_snapshots", 3, "as_of_date", pa.date32(), dt.date(2025, 2, 27), "not_month_end"),
    ("loan_snapshots", 3, "balance", pa.decimal128(18, 2), None, "missing"),
    ("staff", 1, "hire_date", pa.date32(), dt.date(1, 1, 1), "date_out_of_range"),
    ("inspections", 1, "inspection_date", pa.date32(), dt.date(2025, 12, 31), "after_as_of"),
    ("inspections", 2, "risk_found", pa.bool_(), None, "missing"),
    ("repayments", 1, "installment_no", pa.int32(), 0, "not_positive"),
    ("repayments", 2, "installment_no", pa.int16(), 1, "duplicate_key"),
]  # fmt: skip


@pytest.mark.parametrize(("entity", "row", "column", "typ", "value", "check"), CASES)
def test_a_typed_value_is_decided_as_its_text(
    tmp_path: Path,
    entity: str,
    row: int,
    column: str,
    typ: pa.DataType,
    value: object,
    check: str | None,
) -> None:
    tables = typed_tables()
    if pa.types.is_integer(typ) and ENTITIES[entity].column(column).type == ColType.AMOUNT:
        values = [int(v) for v in tables[entity][column][1]]  # whole yuan as integers
    else:
        values = [_typed(r[column], typ) for r in TINY[entity]]
    values[row - 1] = value
    tables[entity][column] = (typ, values)
    typed, text = write_both(tmp_path, tables)
    got = outcome(typed, tmp_path / "wh_parquet")
    mine = {r[4] for r in got["rejects"] if r[:2] == (entity, row)}
    assert (check in mine) if check else not got["rejects"], got["rejects"]
    assert got == outcome(text, tmp_path / "wh_csv")


def test_a_file_changed_while_read_in_place_refuses_the_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Parquet fact file is read again by the merge: a file replaced meanwhile could load
    rows that were never checked, so the load is refused and the warehouse unchanged."""
    typed, _ = write_both(tmp_path, typed_tables())
    merge = etl.load._merge

    def merge_then_touch(con: object, entity_name: str) -> None:
        merge(con, entity_name)  # type: ignore[arg-type]
        if entity_name == "inspections":  # as if another copy were written over it
            path = typed / "inspections.parquet"
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    monkeypatch.setattr(etl.load, "_merge", merge_then_touch)
    settings = Settings(warehouse=tmp_path / "wh" / "wh.duckdb", data_dir=tmp_path / "wh")
    with pytest.raises(ExtractError, match=r"inspections\.parquet: the file changed"):
        load_extract(typed, settings, today=TODAY)
    assert not Warehouse(settings.warehouse_path).exists()
