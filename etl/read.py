"""Read one extract file into a DuckDB staging view of its columns, rows numbered.

Every format lands the same way: ``raw_<entity>`` with a ``_row`` column (data rows from 1,
header not counted, as DATA_CONTRACT.md numbers them) and one column per header, renamed to
the canonical English name: text, except a Parquet contract column, which keeps the file's
type (``StagedFile.types``) so that a column already typed as the contract says need not be
turned into text and parsed back. Typing and checking happen afterwards, in SQL
(``etl.validate``), so that a bad value becomes a rejected row instead of a failed read.
A file that cannot be read at all raises ``ExtractError`` naming the file and the problem.

Hostile input: header text never reaches SQL (the source's columns are renamed positionally to
``c0, c1, …`` and the header names stay in Python), and a row that cannot be parsed as the
header says (too few or too many fields, a broken quote, a line over the size limit) becomes
a rejected row with a reason (``reader_rejects``) instead of refusing the whole file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import mmap
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb
import pyarrow as pa

from etl.contract import FILE_SUFFIXES, Entity, header_aliases

SNIFF_BYTES = 4 << 20
MAX_LINE_BYTES = 2_000_000  # DuckDB's max_line_size: a longer CSV row is rejected, not loaded
EXTRA_PREFIX = "extra:"
# Reader reject codes that concern the row as a whole: their column_name is NULL (schema.sql).
WHOLE_ROW_CHECKS = frozenset({"too_many_fields", "row_too_long", "unparsable_row"})


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
    extra: list[str] = field(default_factory=list)  # unknown columns' headers, kept aside
    numbered: bool = True  # the source has a _row column (else: number by the typed rowid)
    source: _Source | None = None
    extra_sql: list[str] = field(default_factory=list)  # the staged names of the extra columns
    headers: list[str] = field(default_factory=list)  # contract name or header, by position
    unparsed_rows: int = 0  # rows the reader rejected that are not in the staged view
    row_map: str | None = None  # temp table (g, k): after g staged rows, k unparsable ones
    types: dict[str, str] = field(default_factory=dict)  # column -> DuckDB type if not VARCHAR
    signature: tuple[int, int, int] | None = None  # the file's (size, mtime, inode) when staged

    def changed(self) -> bool:
        """Whether the file is not the one staged (a file read in place more than once)."""
        return self.signature is not None and _signature(self.path) != self.signature

    def release(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the staging view and temporary files once the rows have been typed."""
        con.execute(f"DROP VIEW IF EXISTS raw_{self.entity.name}")
        if self.source is not None:
            self.source.cleanup(con)
            self.source = None
        if self.row_map is not None:
            con.execute(f"DROP TABLE IF EXISTS {self.row_map}")
            self.row_map = None

    def reader_rejects(self, con: duckdb.DuckDBPyConnection, typed_rows: int) -> str | None:
        """After the staged view was scanned once: the rows the reader itself rejected.

        Returns a relation (row_number, column_name, value, check_code, reason, reason_en)
        or None. For a CSV with unparsable rows it also sets ``row_map`` and
        ``unparsed_rows`` (those rows never reached the staged view); ``typed_rows`` is the
        number of rows the scan produced. Raises ExtractError when the file as a whole is
        unreadable (text not in its encoding, no row parsable).
        """
        src = self.source
        if src is None:
            return None
        if src.cells:
            return _cell_rejects(con, self, src.cells)
        if src.csv is None:
            return None
        return _csv_rejects(con, self, src.csv, typed_rows)


def read_error(staged: StagedFile, exc: BaseException) -> ExtractError:
    """The refusal for a file whose scan failed as a whole, with a hint a person can act on."""
    detail = _first_line(exc)
    if staged.file_format == "csv" and "state machine reached an invalid state" in str(exc):
        detail = (
            "its lines end in different ways (Windows CRLF and Unix LF mixed outside quotes); "
            "save it again with one kind of line end"
        )
    return ExtractError(f"{staged.path.name}: cannot be read: {detail}")


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
    view = f"_src_{entity.name}"
    if suffix == ".csv":
        used_encoding = encoding or detect_encoding(path)
        source = _csv_source(con, path, used_encoding, view)
    elif suffix == ".parquet":
        source = _parquet_source(con, path, view)
    elif suffix == ".xlsx":
        source = _xlsx_source(con, path, view)
    else:
        raise ExtractError(
            f"{path.name}: unknown file format {suffix!r}; use .csv, .parquet or .xlsx"
        )
    try:
        names = source.names
        mapping = _map_headers(path, entity, names)  # position -> canonical
        missing = [
            c.name for c in entity.columns if not c.nullable and c.name not in mapping.values()
        ]
        if missing:
            shown = ", ".join(_shown(n) for n in names[:40])
            raise ExtractError(
                f"{path.name}: required column(s) missing: "
                + ", ".join(f"{m} [{entity.column(m).alias_zh}]" for m in missing)
                + f". The header has: {shown}"
            )
        extra = [i for i in range(len(names)) if i not in mapping]
        extra_sql = [f"{EXTRA_PREFIX}{k + 1}" for k in range(len(extra))]
        select = [f"{source.row_expr} AS _row"] if source.row_expr else []
        # a Parquet column keeps its type (etl.validate types it); other formats are text
        select += [
            f"{f'c{i}' if source.types else f'CAST(c{i} AS VARCHAR)'} AS {_q(dst)}"
            for i, dst in mapping.items()
        ]
        select += [
            f"CAST(c{i} AS VARCHAR) AS {_q(name)}" for i, name in zip(extra, extra_sql, strict=True)
        ]
        table = f"raw_{entity.name}"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS "
            f"SELECT {', '.join(select)} FROM {source.relation}"
        )
    except BaseException:
        source.cleanup(con)
        raise
    present = [c.name for c in entity.columns if c.name in mapping.values()]
    headers = [mapping.get(i, n) for i, n in enumerate(names)]
    types = {dst: source.types[i] for i, dst in mapping.items() if source.types}
    return StagedFile(
        entity, path, suffix[1:], used_encoding, 0, present, [names[i] for i in extra],
        numbered=source.row_expr is not None, source=source, extra_sql=extra_sql,
        headers=headers, types={k: v for k, v in types.items() if v != "VARCHAR"},
        signature=_signature(path),
    )  # fmt: skip


def _signature(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


EXTRA_DDL = """
CREATE TEMP TABLE IF NOT EXISTS _extra (
    entity VARCHAR, file_name VARCHAR, row_number BIGINT, column_name VARCHAR, value VARCHAR
)
"""


def keep_extra_values(con: duckdb.DuckDBPyConnection, staged: StagedFile, typed: str) -> None:
    """Unknown columns' values go aside into _extra (kept in the warehouse, never lost)."""
    con.execute(EXTRA_DDL)
    for col, name in zip(staged.extra, staged.extra_sql, strict=True):
        con.execute(
            f"INSERT INTO _extra SELECT $entity, $file, _row, $col, {_q(name)} FROM {typed} "
            f"WHERE {_q(name)} IS NOT NULL",
            {"entity": staged.entity.name, "file": staged.path.name, "col": col},
        )


# -- formats -------------------------------------------------------------------------------


@dataclass
class _Csv:
    """What a CSV's rejected rows need: the file read, its width, where DuckDB put them."""

    read_path: str
    width: int
    rejects: str  # temp table of the rows the staged scan could not parse


@dataclass
class _Source:
    relation: str  # a SQL relation with columns c0 … c<n-1> (and the row number, if any)
    row_expr: str | None  # the data row number; None = use the staged table's rowid
    names: list[str] = field(default_factory=list)  # header names, by position
    views: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)  # Arrow tables registered by name
    handles: list[IO[bytes]] = field(default_factory=list)  # unnamed temporary files
    csv: _Csv | None = None
    cells: list[tuple[int, int, str, str]] = field(default_factory=list)  # XLSX formulas, errors
    types: list[str] = field(default_factory=list)  # DuckDB types by position (Parquet only)

    def cleanup(self, con: duckdb.DuckDBPyConnection) -> None:
        for v in self.views:
            con.execute(f"DROP VIEW IF EXISTS {v}")
        for t in self.tables:
            con.execute(f"DROP TABLE IF EXISTS {t}")
        for name in self.registered:
            con.unregister(name)
        for h in self.handles:
            h.close()
        self.views, self.tables, self.registered, self.handles = [], [], [], []


def detect_encoding(path: Path) -> str:
    """utf-8 (with or without BOM) or gb18030 (a superset of GBK), from the file's start."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExtractError(
            f"{path.name}: text is UTF-16; save it as UTF-8 (or GBK), or pass --encoding utf-16"
        )
    start = head[:4096]
    if start.count(b"\x00") > len(start) // 4:  # every other byte zero: UTF-16 without a BOM
        raise ExtractError(
            f"{path.name}: text looks like UTF-16 (no BOM); save it as UTF-8 or GBK, "
            "or pass --encoding utf-16-le"
        )
    for enc in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(enc)().decode(head, final=False)
            return enc
        except UnicodeDecodeError:
            continue
    raise ExtractError(
        f"{path.name}: text is neither UTF-8 nor GBK/GB18030; save it as UTF-8 or pass --encoding"
    )


def _csv_options(width: int) -> str:
    """read_csv options without sniffing: the dialect is the contract's, every column text.

    Sniffing is off because it guesses (a comment character, rows to skip, the delimiter)
    and a guess on a damaged file would silently drop or split rows.
    """
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    return (
        f"auto_detect = false, header = true, columns = {{{cols}}}, delim = ',', "
        f"quote = '\"', escape = '\"', max_line_size = {MAX_LINE_BYTES}"
    )


def _csv_source(con: duckdb.DuckDBPyConnection, path: Path, encoding: str, view: str) -> _Source:
    handles: list[IO[bytes]] = []
    read_path = str(path)
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf8", "utf-8-sig"):
        handle, read_path = _transcode_to_utf8(path, encoding)
        handles.append(handle)
    try:
        names = _csv_header(path, read_path)
        rejects = f"_rejects_{view}"
        con.execute(f"DROP TABLE IF EXISTS {rejects}")
        con.execute(f"DROP TABLE IF EXISTS {rejects}_scan")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM read_csv("
            f"{_path_literal(read_path)}, {_csv_options(len(names))}, store_rejects = true, "
            f"rejects_table = '{rejects}', rejects_scan = '{rejects}_scan')"
        )
    except BaseException:
        for h in handles:
            h.close()
        raise
    return _Source(
        view,
        None,
        names,
        views=[view],
        tables=[rejects, f"{rejects}_scan"],
        handles=handles,
        csv=_Csv(read_path, len(names), rejects),
    )


def _csv_header(path: Path, read_path: str) -> list[str]:
    """The header record's names, parsed as DuckDB will skip it (quotes may span lines)."""
    try:
        with open(read_path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, strict=True), None)
    except UnicodeDecodeError:
        raise ExtractError(
            f"{path.name}: the header row is not valid UTF-8 text; the file is in another "
            "encoding: save it as UTF-8 or GBK, or pass the right --encoding"
        ) from None
    except (csv.Error, ValueError) as exc:
        raise ExtractError(f"{path.name}: the header row cannot be read as CSV: {exc}") from None
    if header is None:
        raise ExtractError(f"{path.name}: the file is empty (no header row)")
    if not any(h.strip() for h in header):
        raise ExtractError(f"{path.name}: the first line (the header) is empty")
    return [h.strip().lstrip("\ufeff").strip() or f"column{i + 1}" for i, h in enumerate(header)]


def _transcode_to_utf8(path: Path, encoding: str) -> tuple[IO[bytes], str]:
    """Stream a GBK/GB18030 (or other) file into an unnamed temporary UTF-8 copy.

    The copy has no name on disk (Linux: read through /proc/self/fd), so nothing is left
    behind whatever happens to the load; elsewhere it is a named file deleted on close.
    """
    proc = Path("/proc/self/fd")
    if proc.is_dir():
        # the handle lives as long as the staged view: closed by _Source.cleanup
        handle: IO[bytes] = tempfile.TemporaryFile(prefix="daihou-", suffix=".csv")  # noqa: SIM115
        read_path = str(proc / str(handle.fileno()))
    else:  # pragma: no cover - non-Linux
        handle = tempfile.NamedTemporaryFile(prefix="daihou-", suffix=".csv")  # noqa: SIM115
        read_path = handle.name
    try:
        with open(path, encoding=encoding, newline="") as src:
            writer = codecs.getwriter("utf-8")(handle)
            while chunk := src.read(1 << 22):
                writer.write(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    except (UnicodeError, LookupError) as exc:
        handle.close()
        raise ExtractError(
            f"{path.name}: cannot be decoded as {encoding} ({exc}); "
            "save it as UTF-8 or GBK, or pass the right --encoding"
        ) from None
    except BaseException:
        handle.close()
        raise
    return handle, read_path


def _csv_rejects(
    con: duckdb.DuckDBPyConnection, staged: StagedFile, src: _Csv, typed_rows: int
) -> str | None:
    """Rows the strict CSV scan rejected, numbered as data rows, with an actionable reason.

    DuckDB numbers a rejected record by its line (records, so a quoted line break does not
    count): data row = line - 1. The staged rows, in file order, take the numbers between
    (``row_map``: after g good rows, k rejected ones came). DuckDB also counts blank lines,
    which are not data rows; so when a blank line may come before a rejected row the numbers
    would be ambiguous, and the file is refused instead.
    """
    name = staged.path.name
    bad, last = con.execute(
        f"SELECT count(DISTINCT line), max(byte_position) FROM {src.rejects}"
    ).fetchall()[0]
    if not bad:
        return None
    enc = con.execute(
        f"SELECT min(line) FROM {src.rejects} WHERE error_type = 'INVALID ENCODING'"
    ).fetchall()[0][0]
    if enc is not None:
        raise ExtractError(
            f"{name}: line {enc} is not valid {staged.encoding or 'UTF-8'} text; the file is in "
            "another encoding: save it as UTF-8 or GBK, or pass the right --encoding"
        )
    if typed_rows == 0:
        raise ExtractError(
            f"{name}: no row can be read with the header's {src.width} fields (e.g. "
            f"{_first_problem(con, src.rejects)}); check that fields are separated by commas "
            "and that quotes are balanced"
        )
    if _has_blank_line(src.read_path, last + 1):
        raise ExtractError(
            f"{name}: {bad} row(s) cannot be read as CSV (e.g. "
            f"{_first_problem(con, src.rejects)}) and blank lines come before them, so their "
            "row numbers would be ambiguous: fix those rows (or remove the blank lines)"
        )
    table = f"_lines_{staged.entity.name}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS "
        f"SELECT line, line - 1 AS n, line - 1 - row_number() OVER (ORDER BY line) AS g, "
        f"row_number() OVER (ORDER BY line) AS k FROM (SELECT DISTINCT line FROM {src.rejects})"
    )
    staged.source.tables.append(table)  # type: ignore[union-attr]
    staged.row_map = f"{table}_map"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {staged.row_map} AS "
        f"SELECT g, max(k) AS k FROM {table} GROUP BY g"
    )
    staged.unparsed_rows = bad
    rejected = f"{table}_rejects"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {rejected} AS
        WITH e AS (
            SELECT line, error_type, error_message, column_name,
                   trim(csv_line, chr(10) || chr(13)) AS csv_line,
                   TRY_CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INTEGER) AS found,
                   CASE error_type WHEN 'LINE SIZE OVER MAXIMUM' THEN 1 WHEN 'UNQUOTED VALUE'
                   THEN 2 WHEN 'TOO MANY COLUMNS' THEN 3 WHEN 'MISSING COLUMNS' THEN 4
                   ELSE 5 END AS prio
            FROM {src.rejects}
        ), per_line AS (
            SELECT line, min(prio) AS prio,
                   coalesce(CAST(max(found) FILTER (WHERE error_type = 'TOO MANY COLUMNS')
                                 AS VARCHAR), '?') AS many,
                   coalesce(CAST(min(found) FILTER (WHERE error_type = 'MISSING COLUMNS')
                                 AS VARCHAR), '?') AS few,
                   arg_min(column_name, prio) AS col,
                   coalesce(arg_min(error_message, prio), arg_min(error_type, prio)) AS msg,
                   arg_min(csv_line, prio) AS csv_line
            FROM e GROUP BY line
        )
        SELECT l.n AS row_number,
               CASE WHEN p.prio IN (2, 4)
                    THEN $names[TRY_CAST(substr(p.col, 2) AS INTEGER) + 1] END AS column_name,
               left(p.csv_line, 200) AS value,
               CASE p.prio WHEN 1 THEN 'row_too_long' WHEN 2 THEN 'bad_quotes'
                    WHEN 3 THEN 'too_many_fields' WHEN 4 THEN 'too_few_fields'
                    ELSE 'unparsable_row' END AS check_code,
               CASE p.prio
                   WHEN 1 THEN printf('该行超过 %d 字节，无法读取：请检查是否有未闭合的引号', $max)
                   WHEN 2 THEN '引号不成对或引号后还有其他字符：整个值应放在英文双引号内，'
                               || '值中的双引号要写成两个（""）'
                   WHEN 3 THEN printf('该行有 %s 个字段，表头只有 %d 个：'
                                      || '请检查值中是否有未加引号的逗号', p.many, $width)
                   WHEN 4 THEN printf('该行只有 %s 个字段，表头有 %d 个：'
                                      || '请补齐缺少的值（空值也要保留逗号）', p.few, $width)
                   ELSE '该行无法按 CSV 读取：' || p.msg END AS reason,
               CASE p.prio
                   WHEN 1 THEN printf('the row is longer than %d bytes; look for an '
                                      || 'unclosed quote', $max)
                   WHEN 2 THEN 'a quote is not closed or is followed by other text: put the '
                               || 'whole value in double quotes and double any quote inside it'
                   WHEN 3 THEN printf('row has %s fields, the header has %d: look for an '
                                      || 'unquoted comma in a value', p.many, $width)
                   WHEN 4 THEN printf('row has %s fields, the header has %d: add the missing '
                                      || 'values (keep the commas of empty ones)', p.few, $width)
                   ELSE 'the row cannot be read as CSV: ' || p.msg END AS reason_en
        FROM per_line AS p JOIN {table} AS l USING (line)
        """,
        {"names": staged.headers, "width": src.width, "max": MAX_LINE_BYTES},
    )
    staged.source.tables.append(rejected)  # type: ignore[union-attr]
    return rejected


def _has_blank_line(path: str, end: int) -> bool:
    """Whether an empty line occurs in the first ``end`` bytes (a byte search, no parsing)."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            end = min(end, size)
            return any(data.find(p, 0, end) >= 0 for p in (b"\n\n", b"\n\r\n", b"\r\r"))


def _first_problem(con: duckdb.DuckDBPyConnection, rejects: str) -> str:
    sql = (
        f"SELECT line, error_message FROM {rejects} "
        "ORDER BY line, error_type = 'MISSING COLUMNS', error_type = 'TOO MANY COLUMNS' LIMIT 1"
    )
    rows = con.execute(sql).fetchall()
    return f"line {rows[0][0]}: {rows[0][1]}" if rows else "no detail"


def _parquet_source(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> _Source:
    """Parquet columns renamed by position, so that no header text reaches SQL.

    Rows are numbered by DuckDB's file_row_number, unless the file has a column of that name
    (an unknown column, kept aside): then by the typed table's rowid, as for a CSV.
    """
    literal = _path_literal(path)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({literal})").fetchall()
        names = [r[0] for r in described]
        types = [str(r[1]) for r in described]
        numbered = "file_row_number" not in names
        names = _parquet_names(path, names)
        option = ", file_row_number = true" if numbered else ""
        aliases = [f"c{i}" for i in range(len(names))] + (["_file_row"] if numbered else [])
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view}({', '.join(aliases)}) AS "
            f"SELECT * FROM read_parquet({literal}{option})"
        )
    except duckdb.Error as exc:
        raise ExtractError(f"{path.name}: cannot be read as Parquet: {_first_line(exc)}") from None
    return _Source(view, "_file_row + 1" if numbered else None, names, views=[view], types=types)


def _parquet_names(path: Path, described: list[str]) -> list[str]:
    """The header as written: DuckDB renames a repeated column (a, a_1), which would hide a
    repeated contract column instead of refusing it as CSV and XLSX do."""
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except Exception:  # pyarrow cannot read what DuckDB could: keep DuckDB's names
        return described
    return names if len(names) == len(described) else described


def _xlsx_source(con: duckdb.DuckDBPyConnection, path: Path, view: str) -> _Source:
    """The first worksheet, cells as text: dates as ISO dates, whole numbers without '.0'.

    A row is numbered by its line in the sheet (data row n is on line n + 1, blank lines
    included). A formula or an error value (#N/A, #VALUE!) in a contract column is rejected:
    the loader reads values, it does not evaluate formulas.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ExtractError(f"{path.name}: cannot be read as XLSX: {_first_line(exc)}") from None
    cols: list[list[str | None]] = []
    numbers: list[int] = []
    bad: list[tuple[int, int, str, str]] = []  # (row, column position, kind, value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "outside the limits for dates": an error cell
            rows = wb.worksheets[0].iter_rows()
            header = next(rows, None)
            if header is None or all(c.value is None for c in header):
                raise ExtractError(f"{path.name}: the first worksheet has no header row")
            names = [_cell_text(c.value).strip() if c.value is not None else "" for c in header]
            names = [n or f"column{i + 1}" for i, n in enumerate(names)]
            cols = [[] for _ in names]
            for n, row in enumerate(rows, start=1):
                if all(c.value is None for c in row):
                    continue
                if len(row) > len(cols):  # values beyond the header: kept as extra columns
                    names += [f"column{i + 1}" for i in range(len(cols), len(row))]
                    cols += [[None] * len(numbers) for _ in range(len(cols), len(row))]
                numbers.append(n)
                for i, col in enumerate(cols):
                    cell = row[i] if i < len(row) else None
                    value = None if cell is None else cell.value
                    value = getattr(value, "text", value)  # an array formula's text
                    kind = getattr(cell, "data_type", None)
                    if kind in ("f", "e") and value is not None:
                        bad.append((n, i, kind, str(value)))
                    col.append(_cell_text(value))
    except ExtractError:
        raise
    except Exception as exc:  # a damaged sheet fails while it is being read
        raise ExtractError(f"{path.name}: cannot be read as XLSX: {_first_line(exc)}") from None
    finally:
        wb.close()
    table = pa.table({f"c{i}": pa.array(c, pa.string()) for i, c in enumerate(cols)})
    table = table.append_column("_xlsx_row", pa.array(numbers, pa.int64()))
    con.register(view, table)
    return _Source(view, "_xlsx_row", names, registered=[view], cells=bad)


def _cell_rejects(
    con: duckdb.DuckDBPyConnection, staged: StagedFile, cells: list[tuple[int, int, str, str]]
) -> str | None:
    """Formula and error cells as reader rejects, only in columns the contract knows (an
    unknown column's text is kept aside as it is)."""
    known = set(staged.entity.column_names)
    out: dict[str, list] = {
        k: [] for k in ("row_number", "column_name", "value", "check_code", "reason", "reason_en")
    }
    for n, i, kind, value in cells:
        column = staged.headers[i]
        if column not in known:
            continue
        shown = value[:60]
        out["row_number"].append(n)
        out["column_name"].append(column)
        out["value"].append(value[:200])
        if kind == "f":
            out["check_code"].append("formula")
            out["reason"].append(
                f"{column} 单元格是公式（{shown}），系统只读取数值：请复制后“选择性粘贴→数值”再报送"
            )
            out["reason_en"].append(
                f"{column} cell holds a formula ({shown}); the loader reads values, not "
                "formulas: paste the cells as values"
            )
        else:
            out["check_code"].append("error_cell")
            out["reason"].append(f"{column} 单元格是 Excel 错误值 {shown}：请改正该单元格")
            out["reason_en"].append(f"{column} cell holds the Excel error {shown}; correct it")
    if not out["row_number"]:
        return None
    name = f"_cells_{staged.entity.name}"
    table = pa.table(
        {
            "row_number": pa.array(out.pop("row_number"), pa.int64()),
            **{k: pa.array(v, pa.string()) for k, v in out.items()},
        }
    )
    con.register(name, table)
    staged.source.registered.append(name)  # type: ignore[union-attr]
    return name


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


def _map_headers(path: Path, entity: Entity, columns: list[str]) -> dict[int, str]:
    """Source column position -> canonical column, accepting the Chinese aliases."""
    aliases = {k.lower(): v for k, v in header_aliases(entity).items()}
    mapping: dict[int, str] = {}
    seen: dict[str, str] = {}
    for i, col in enumerate(columns):
        canonical = aliases.get(col.strip().lstrip("\ufeff").strip().lower())
        if canonical is None:
            continue
        if canonical in seen:
            raise ExtractError(
                f"{path.name}: column {canonical} appears twice ({_shown(seen[canonical])} and "
                f"{_shown(col)}); keep one"
            )
        seen[canonical] = col
        mapping[i] = canonical
    return mapping


def _shown(name: str) -> str:
    """A header name for a message: quoted, control characters escaped, shortened."""
    text = repr(name[:60])
    return text if len(name) <= 60 else text + "…"


def _path_literal(path: Path | str) -> str:
    """A file path as a SQL string literal (views cannot take bound parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _q(identifier: str) -> str:
    """Quote an identifier built by this module (never one taken from a file)."""
    return '"' + identifier.replace('"', '""') + '"'


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
