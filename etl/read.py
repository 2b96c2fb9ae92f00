"""Read one extract file into a DuckDB staging table of text columns, rows numbered.

Every format lands the same way: ``raw_<entity>`` with a ``_row`` column (data rows from 1,
header not counted, as DATA_CONTRACT.md numbers them) and one VARCHAR column per header,
renamed to the canonical English name. Typing and checking happen afterwards, in SQL
(``etl.validate``), so that a bad value becomes a rejected row instead of a failed read.
A file that cannot be read at all raises ``ExtractError`` naming the file and the problem.
"""

from __future__ import annotations

import codecs
import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from etl.contract import FILE_SUFFIXES, Entity, header_aliases

SNIFF_BYTES = 4 << 20
_ROW_COLUMNS = ("_xlsx_row", "file_row_number")  # row numbers the readers add


class ExtractError(RuntimeError):
    """A whole file (or delivery) that cannot be loaded; nothing is changed."""


@dataclass
class StagedFile:
    entity: Entity
    path: Path
    file_format: str
    encoding: str | None
    rows: int
    present: list[str]  # contract columns present in the header
    extra: list[str] = field(default_factory=list)  # unknown columns, kept aside
    numbered: bool = True  # the source has a _row column (else: number by the typed rowid)
    source: _Source | None = None

    def release(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the staging view and temporary files once the rows have been typed."""
        con.execute(f"DROP VIEW IF EXISTS raw_{self.entity.name}")
        if self.source is not None:
            self.source.cleanup(con)
            self.source = None


def find_entity_file(extract_dir: Path, entity: Entity) -> Path | None:
    """The entity's file in the extract folder: ``<entity>.csv|.parquet|.xlsx``."""
    found = [extract_dir / f"{entity.name}{s}" for s in FILE_SUFFIXES]
    found = [p for p in found if p.is_file()]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ExtractError(f"{entity.name}: several files for one entity ({names}); keep one")
    return found[0] if found else None


def stage_file(
    con: duckdb.DuckDBPyConnection, entity: Entity, path: Path, encoding: str | None = None
) -> StagedFile:
    """Open ``path`` as the view ``raw_<entity>``: text columns under canonical names.

    Nothing is copied yet: the validator's typed table is the one materialisation. A CSV has
    no row number column; the typed table's rowid, which follows the file's order, gives it.
    """
    suffix = path.suffix.lower()
    used_encoding: str | None = None
    if suffix == ".csv":
        used_encoding = encoding or detect_encoding(path)
        source = _csv_source(con, path, used_encoding, f"_src_{entity.name}")
    elif suffix == ".parquet":
        source = _parquet_source(con, path, f"_src_{entity.name}")
    elif suffix == ".xlsx":
        source = _xlsx_source(con, path, f"_src_{entity.name}")
    else:
        raise ExtractError(
            f"{path.name}: unknown file format {suffix!r}; use .csv, .parquet or .xlsx"
        )
    try:
        columns = [r[0] for r in con.execute(f"DESCRIBE {source.relation}").fetchall()]
        columns = [c for c in columns if c not in _ROW_COLUMNS]
        mapping = _map_headers(path, entity, columns)
        missing = [
            c.name for c in entity.columns if not c.nullable and c.name not in mapping.values()
        ]
        if missing:
            raise ExtractError(
                f"{path.name}: required column(s) missing: "
                + ", ".join(f"{m} [{entity.column(m).alias_zh}]" for m in missing)
                + f". The header has: {', '.join(columns)}"
            )
    except BaseException:
        source.cleanup(con)
        raise
    select = [f"{source.row_expr} AS _row"] if source.row_expr else []
    select += [f"CAST({_q(src)} AS VARCHAR) AS {_q(dst)}" for src, dst in mapping.items()]
    extra = [c for c in columns if c not in mapping]
    select += [f"CAST({_q(c)} AS VARCHAR) AS {_q(EXTRA_PREFIX + c)}" for c in extra]
    table = f"raw_{entity.name}"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT {', '.join(select)} FROM {source.relation}"
    )
    present = [c.name for c in entity.columns if c.name in mapping.values()]
    return StagedFile(
        entity, path, suffix[1:], used_encoding, 0, present, extra,
        numbered=source.row_expr is not None, source=source,
    )  # fmt: skip


EXTRA_PREFIX = "extra:"
EXTRA_DDL = """
CREATE TEMP TABLE IF NOT EXISTS _extra (
    entity VARCHAR, file_name VARCHAR, row_number BIGINT, column_name VARCHAR, value VARCHAR
)
"""


def keep_extra_values(con: duckdb.DuckDBPyConnection, staged: StagedFile, typed: str) -> None:
    """Unknown columns' values go aside into _extra (kept in the warehouse, never lost)."""
    con.execute(EXTRA_DDL)
    for col in staged.extra:
        name = _q(EXTRA_PREFIX + col)
        con.execute(
            f"INSERT INTO _extra SELECT $entity, $file, _row, $col, {name} FROM {typed} "
            f"WHERE {name} IS NOT NULL",
            {"entity": staged.entity.name, "file": staged.path.name, "col": col},
        )


# -- formats -------------------------------------------------------------------------------


@dataclass
class _Source:
    relation: str  # a SQL relation to read the file's rows from
    row_expr: str | None  # the data row number; None = use the staged table's rowid
    temp_files: list[Path] = field(default_factory=list)
    views: list[str] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)  # Arrow tables registered by name

    def cleanup(self, con: duckdb.DuckDBPyConnection) -> None:
        for v in self.views:
            con.execute(f"DROP VIEW IF EXISTS {v}")
        for name in self.registered:
            con.unregister(name)
        for f in self.temp_files:
            f.unlink(missing_ok=True)


def detect_encoding(path: Path) -> str:
    """utf-8 (with or without BOM) or gb18030 (a superset of GBK), from the file's start."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for enc in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(enc)().decode(head, final=False)
            return enc
        except UnicodeDecodeError:
            continue
    raise ExtractError(
        f"{path.name}: text is neither UTF-8 nor GBK/GB18030; save it as UTF-8 or pass --encoding"
    )


def _csv_source(con: duckdb.DuckDBPyConnection, path: Path, encoding: str, view: str) -> _Source:
    temp: list[Path] = []
    read_path = path
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf8", "utf-8-sig"):
        read_path = _transcode_to_utf8(path, encoding)
        temp.append(read_path)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_csv("
            f"{_path_literal(read_path)}, header = true, all_varchar = true, "
            "delim = ',', quote = '\"', escape = '\"')"
        )
        # the header must be readable before we go on
        con.execute(f"DESCRIBE {view}").fetchall()
    except duckdb.Error as exc:
        for f in temp:
            f.unlink(missing_ok=True)
        raise ExtractError(f"{path.name}: cannot be read as CSV: {_first_line(exc)}") from None
    return _Source(view, None, temp, [view])


def _transcode_to_utf8(path: Path, encoding: str) -> Path:
    """Stream a GBK/GB18030 (or other) file into a temporary UTF-8 copy."""
    tmp = Path(tempfile.mkstemp(prefix="daihou-", suffix=".csv")[1])
    try:
        with (
            open(path, encoding=encoding, newline="") as src,
            open(tmp, "w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(1 << 22):
                dst.write(chunk)
    except (UnicodeDecodeError, LookupError) as exc:
        tmp.unlink(missing_ok=True)
        raise ExtractError(
            f"{path.name}: cannot be decoded as {encoding} ({exc}); "
            "save it as UTF-8 or GBK, or pass the right --encoding"
        ) from None
    return tmp


def _parquet_source(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> _Source:
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS "
            f"SELECT * FROM read_parquet({_path_literal(path)}, file_row_number = true)"
        )
        con.execute(f"DESCRIBE {view}").fetchall()
    except duckdb.Error as exc:
        raise ExtractError(f"{path.name}: cannot be read as Parquet: {_first_line(exc)}") from None
    return _Source(view, "file_row_number + 1", [], [view])


def _xlsx_source(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> _Source:
    """The first worksheet, cells as text: dates as ISO dates, whole numbers without '.0'."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ExtractError(f"{path.name}: cannot be read as XLSX: {exc}") from None
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ExtractError(f"{path.name}: the first worksheet is empty (no header row)")
        names = [str(h).strip() if h is not None else f"column{i}" for i, h in enumerate(header)]
        cols: list[list[str | None]] = [[] for _ in names]
        for row in rows:
            if row is None or all(v is None for v in row):
                continue
            for i in range(len(names)):
                cols[i].append(_cell_text(row[i]) if i < len(row) else None)
    finally:
        wb.close()
    table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, cols, strict=True)})
    n = table.num_rows
    table = table.append_column("_xlsx_row", pa.array(range(1, n + 1), pa.int64()))
    con.register(view, table)
    return _Source(view, "_xlsx_row", [], [], registered=[view])


def _cell_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# -- headers -------------------------------------------------------------------------------


def _map_headers(path: Path, entity: Entity, columns: list[str]) -> dict[str, str]:
    """Source header -> canonical column, accepting the Chinese aliases."""
    aliases = {k.lower(): v for k, v in header_aliases(entity).items()}
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for col in columns:
        canonical = aliases.get(col.strip().lstrip("\ufeff").lower())
        if canonical is None:
            continue
        if canonical in seen:
            raise ExtractError(
                f"{path.name}: column {canonical} appears twice ({seen[canonical]!r} and {col!r})"
            )
        seen[canonical] = col
        mapping[col] = canonical
    return mapping


def _path_literal(path: Path) -> str:
    """A file path as a SQL string literal (views cannot take bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _q(identifier: str) -> str:
    """Quote an identifier taken from a file header (never a value)."""
    return '"' + identifier.replace('"', '""') + '"'


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
