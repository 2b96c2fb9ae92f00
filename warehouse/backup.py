"""Backup and restore of the warehouse (``daihou backup DIR``, ``daihou restore DIR``).

A backup is a folder: one Parquet file per warehouse table (dimensions, facts, load
bookkeeping with the rejected rows, load-time aggregates), optionally ``accounts.db`` (the
accounts store, copied with SQLite's backup API), and ``manifest.json`` saying what each file
holds: row count, column names and DuckDB types, the file's SHA-256 and a content checksum.

- **Consistent.** A backup reads the current generation through a read-only connection
  (``warehouse.connection``): it runs while the dashboard serves, and while a load runs it sees
  the old generation or the new one, never a mix (generations are never written once
  published).
- **Never half there.** It is written into a hidden folder beside ``DIR`` that is renamed to
  ``DIR`` at the end, so a crashed backup never looks complete; a non-empty ``DIR`` is refused.
- **Content checksum.** Per table, the sum of DuckDB's ``hash()`` of every row, computed in
  SQL: independent of row order, it catches a changed, lost or duplicated row, where the file's
  SHA-256 only proves the bytes. ``hash()`` is DuckDB's own function, so the manifest keeps a
  probe (the hash of fixed values); a DuckDB whose probe differs compares the restored tables
  with the verified Parquet files instead.
- **Restore verifies first.** Every file present, its SHA-256, row count and columns as the
  manifest says, before anything is touched. Then it builds a new generation through
  ``Warehouse.writer()`` holding exactly the backed-up tables with their column types and
  nullability, checks each table's content checksum inside it and only then lets the writer
  publish it atomically; any error discards the new generation, the warehouse stays as it was,
  and readers holding the previous generation keep working.
- **Accounts only on request.** The audit log is append-only by design: a restore replaces it
  only when asked, and never when the live store has audit entries the backup lacks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

import duckdb

from warehouse.connection import SCHEMA_SQL, Warehouse, WarehouseError

FORMAT = "daihou-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ACCOUNTS_FILE = "accounts.db"
CHECKSUM_ALGORITHM = "sum of duckdb hash(row) over all rows, as a decimal string"
# Fixed values of the warehouse's column types: equal probes mean equal hash() functions.
_PROBE_SQL = (
    "SELECT hash(42::INTEGER, 7::BIGINT, 'daihou 贷后'::VARCHAR, DATE '2025-12-31', "
    "TIMESTAMP '2025-12-31 23:59:59', 1.5::DOUBLE, 12.34::DECIMAL(18,2), 0.5::DECIMAL(9,4), "
    "123456789012.34::DECIMAL(38,2), true, ['M0', NULL]::VARCHAR[], [30, 90]::INTEGER[], "
    "NULL::VARCHAR)::VARCHAR"
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A DuckDB type as duckdb_columns() spells it: no quotes, semicolons or comments.
_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_ ,()\[\]]*$")

Progress = Callable[[str], None]


class BackupError(ValueError):
    """A backup or restore that cannot be done; the message says what, where and how to fix."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as duckdb_columns() spells it, e.g. DECIMAL(18,2), VARCHAR[]
    nullable: bool


@dataclass(frozen=True)
class TableEntry:
    name: str
    file: str  # <name>.parquet, inside the backup folder
    rows: int
    columns: tuple[Column, ...]
    sha256: str  # of the Parquet file
    checksum: str  # content checksum (CHECKSUM_ALGORITHM)
    bytes: int


@dataclass(frozen=True)
class AccountsEntry:
    file: str
    sha256: str
    bytes: int
    accounts: int
    audit_entries: int
    last_audit_at: str | None


@dataclass(frozen=True)
class Manifest:
    format_version: int
    created_at: str  # UTC, ISO 8601
    source_generation: str  # file name of the generation backed up
    daihou_version: str
    duckdb_version: str
    checksum_algorithm: str
    checksum_probe: str
    tables: tuple[TableEntry, ...]
    accounts: AccountsEntry | None

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def total_bytes(self) -> int:
        return sum(t.bytes for t in self.tables) + (self.accounts.bytes if self.accounts else 0)

    def to_json(self) -> dict:
        return {"format": FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict, where: Path) -> Manifest:
        """Parse a manifest, refusing anything this version cannot restore faithfully."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"{where}: not a daihou backup manifest (no format {FORMAT!r})")
        if data.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                f"{where}: backup format version {data.get('format_version')!r}; this daihou "
                f"restores version {FORMAT_VERSION}: restore with the daihou that wrote it"
            )
        try:
            tables = tuple(
                TableEntry(
                    **{
                        **t,
                        "columns": tuple(Column(**c) for c in t["columns"]),
                        "rows": int(t["rows"]),
                    }
                )
                for t in data["tables"]
            )
            acc = data.get("accounts")
            fields = {k: v for k, v in data.items() if k not in ("format", "tables", "accounts")}
            manifest = cls(**fields, tables=tables, accounts=AccountsEntry(**acc) if acc else None)
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(f"{where}: malformed manifest ({exc}); take a new backup") from None
        for t in manifest.tables:
            bad = [c.type for c in t.columns if not _TYPE.match(c.type)]
            if not _NAME.match(t.name) or t.file != f"{t.name}.parquet" or bad:
                raise BackupError(
                    f"{where}: table entry {t.name!r} is malformed (file {t.file!r}, types "
                    f"{bad}); the manifest was edited: take a new backup"
                )
        return manifest


def backup(
    warehouse: Path,
    out_dir: Path,
    accounts: Path | None,
    *,
    progress: Progress | None = None,
) -> Manifest:
    """Write the current generation of ``warehouse`` (and the accounts store at ``accounts``
    when given and present) into the new folder ``out_dir``; returns its manifest."""
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise BackupError(
            f"{out_dir} exists and is not an empty folder: name a new folder for the backup "
            "(a backup never overwrites another)"
        )
    source = Warehouse(warehouse)
    generation = source.current_file()
    if generation is None:
        raise BackupError(f"no warehouse at {source.path}: nothing to back up")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        with source.connect_read_only(generation) as con:
            con.execute("SET enable_progress_bar = false")
            _refuse_untracked_objects(con, source.path)
            entries = []
            for name in _table_names(con):
                if progress:
                    progress(name)
                entries.append(_export_table(con, name, tmp))
            probe = con.execute(_PROBE_SQL).fetchall()[0][0]
        acc = None
        if accounts is not None and Path(accounts).is_file():
            if progress:
                progress(ACCOUNTS_FILE)
            acc = _copy_accounts(Path(accounts), tmp / ACCOUNTS_FILE)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            source_generation=generation.name,
            daihou_version=_daihou_version(),
            duckdb_version=duckdb.__version__,
            checksum_algorithm=CHECKSUM_ALGORITHM,
            checksum_probe=probe,
            tables=tuple(entries),
            accounts=acc,
        )
        text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n"
        (tmp / MANIFEST).write_text(text, encoding="utf-8")
        for f in tmp.iterdir():
            _fsync(f)
        _fsync(tmp)
        if out_dir.exists():
            out_dir.rmdir()  # empty (checked above); rename cannot replace a folder elsewhere
        os.replace(tmp, out_dir)
        _fsync(out_dir.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def read_manifest(in_dir: Path) -> Manifest:
    """The manifest of the backup folder ``in_dir``, parsed and checked for form."""
    path = Path(in_dir) / MANIFEST
    if not Path(in_dir).is_dir():
        raise BackupError(f"{in_dir}: no such folder; name a folder written by daihou backup")
    if not path.is_file():
        raise BackupError(
            f"{path} is missing: {in_dir} is not a complete daihou backup (a backup writes its "
            "manifest last)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path}: not valid JSON ({exc}); the backup is damaged") from None
    return Manifest.from_json(data, path)


def verify(in_dir: Path, manifest: Manifest, *, with_accounts: bool = False) -> None:
    """Check every file the manifest names: present, same SHA-256, row count and columns.
    Reads the files only; raises BackupError at the first difference."""
    in_dir = Path(in_dir)
    with duckdb.connect() as con:
        for t in manifest.tables:
            path = in_dir / t.file
            _check_file(path, t.sha256)
            rows = con.execute(
                "SELECT sum(num_rows) FROM parquet_file_metadata($f)", {"f": str(path)}
            ).fetchall()[0][0]
            if rows != t.rows:
                raise BackupError(
                    f"{path} holds {rows:,} rows, the manifest says {t.rows:,}: the backup is "
                    "inconsistent; restore another backup"
                )
            names = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($f))",
                    {"f": str(path)},
                ).fetchall()
            ]
            if names != [c.name for c in t.columns]:
                raise BackupError(
                    f"{path} has columns {names}, the manifest says "
                    f"{[c.name for c in t.columns]}: restore another backup"
                )
    if with_accounts:
        if manifest.accounts is None:
            raise BackupError(f"{in_dir} holds no accounts store: restore without --with-accounts")
        _check_file(in_dir / manifest.accounts.file, manifest.accounts.sha256)


def restore(
    in_dir: Path,
    warehouse: Path,
    accounts: Path | None = None,
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
    progress: Progress | None = None,
) -> Manifest:
    """Replace ``warehouse`` by the backup in ``in_dir`` as one new generation, verified before
    and after the build; with ``accounts``, also replace that accounts store by the backup's."""
    in_dir = Path(in_dir).absolute()
    manifest = read_manifest(in_dir)
    verify(in_dir, manifest, with_accounts=accounts is not None)
    if accounts is not None:
        _refuse_losing_audit(Path(accounts), in_dir / ACCOUNTS_FILE)
    target = Warehouse(warehouse)
    try:
        with target.writer(memory_limit, threads, fresh=True) as con:
            con.execute("SET enable_progress_bar = false")
            same_hash = con.execute(_PROBE_SQL).fetchall()[0][0] == manifest.checksum_probe
            for name in _table_names(con):  # the empty tables the writer's schema made
                con.execute(f"DROP TABLE {_qi(name)}")
            for t in manifest.tables:
                if progress:
                    progress(t.name)
                _import_table(con, t, in_dir / t.file, same_hash)
            # a backup from an older daihou may lack a table this version's schema adds
            con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
            if accounts is not None:
                if progress:
                    progress(ACCOUNTS_FILE)
                _restore_accounts(in_dir / ACCOUNTS_FILE, Path(accounts))
    except WarehouseError as exc:
        raise BackupError(str(exc)) from None  # e.g. a load is writing: try again later
    except duckdb.Error as exc:
        raise BackupError(
            f"restore of {in_dir} into {target.path} failed, warehouse unchanged: {exc}"
        ) from None
    return manifest


# -- backup internals -----------------------------------------------------------------------


def _table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT internal AND NOT temporary ORDER BY table_name"
        ).fetchall()
    ]


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> tuple[Column, ...]:
    rows = con.execute(
        "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "AND table_name = $t ORDER BY column_index",
        {"t": name},
    ).fetchall()
    return tuple(Column(n, t, bool(nullable)) for n, t, nullable in rows)


def _refuse_untracked_objects(con: duckdb.DuckDBPyConnection, where: Path) -> None:
    """A backup carries tables only: refuse loudly rather than drop a view or sequence."""
    n = con.execute(
        "SELECT (SELECT count(*) FROM duckdb_views() WHERE NOT internal AND NOT temporary "
        "        AND database_name = current_database()) "
        "     + (SELECT count(*) FROM duckdb_sequences() WHERE NOT temporary "
        "        AND database_name = current_database()) "
        "     + (SELECT count(*) FROM duckdb_tables() WHERE NOT internal AND NOT temporary "
        "        AND database_name = current_database() AND schema_name <> 'main')"
    ).fetchall()[0][0]
    if n:
        raise BackupError(
            f"{where} holds {n} view(s), sequence(s) or table(s) outside schema main, which a "
            "backup does not carry: extend warehouse/backup.py before backing it up"
        )


def _content_checksum(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, str]:
    """(rows, sum of hash(row)) of a table or table function, one scan in SQL."""
    rows, checksum = con.execute(
        f"SELECT count(*), coalesce(sum(hash(_daihou_row_)), 0)::VARCHAR "
        f"FROM {relation} AS _daihou_row_"
    ).fetchall()[0]
    return int(rows), str(checksum)


def _export_table(con: duckdb.DuckDBPyConnection, name: str, folder: Path) -> TableEntry:
    path = folder / f"{name}.parquet"
    con.execute(
        f"COPY (SELECT * FROM {_qi(name)}) TO {_ql(str(path))} (FORMAT parquet, COMPRESSION zstd)"
    )
    rows, checksum = _content_checksum(con, _qi(name))
    return TableEntry(
        name=name,
        file=path.name,
        rows=rows,
        columns=_columns(con, name),
        sha256=_sha256(path),
        checksum=checksum,
        bytes=path.stat().st_size,
    )


def _copy_accounts(source: Path, target: Path) -> AccountsEntry:
    """A consistent copy of the accounts store (SQLite's backup API), as one plain file."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        tables = {r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        accounts = (
            dst.execute("SELECT count(*) FROM account").fetchone()[0] if "account" in tables else 0
        )
        audit, last = (
            dst.execute("SELECT count(*), max(at) FROM audit_log").fetchone()
            if "audit_log" in tables
            else (0, None)
        )
    finally:
        src.close()
        dst.close()
    return AccountsEntry(
        file=target.name,
        sha256=_sha256(target),
        bytes=target.stat().st_size,
        accounts=accounts,
        audit_entries=audit,
        last_audit_at=last,
    )


def _remove_stale_temp(out_dir: Path) -> None:
    """Delete what a killed backup into the same folder left behind (its process is gone)."""
    for stale in out_dir.parent.glob(f".{out_dir.name}.tmp-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- restore internals ----------------------------------------------------------------------


def _check_file(path: Path, sha256: str) -> None:
    if not path.is_file():
        raise BackupError(
            f"{path} is missing: the backup is incomplete; restore another backup or copy "
            "the file back"
        )
    if _sha256(path) != sha256:
        raise BackupError(
            f"{path} is damaged: its SHA-256 differs from the manifest's; restore another "
            "backup or copy an intact file back"
        )


def _import_table(
    con: duckdb.DuckDBPyConnection, t: TableEntry, path: Path, same_hash: bool
) -> None:
    """Create the table with the manifest's columns, fill it from Parquet, verify it."""
    spec = ", ".join(
        f"{_qi(c.name)} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in t.columns
    )
    con.execute(f"CREATE TABLE {_qi(t.name)} ({spec})")
    if _columns(con, t.name) != t.columns:
        raise BackupError(
            f"table {t.name}: the columns created differ from the manifest's "
            f"({_columns(con, t.name)} vs {t.columns}); restore with the DuckDB that wrote it "
            f"or take a new backup"
        )
    names = ", ".join(_qi(c.name) for c in t.columns)
    con.execute(
        f"INSERT INTO {_qi(t.name)} ({names}) SELECT {names} FROM read_parquet($f)",
        {"f": str(path)},
    )
    rows, checksum = _content_checksum(con, _qi(t.name))
    expected = (t.rows, t.checksum)
    if not same_hash:  # another DuckDB's hash(): compare with the verified file instead
        casts = ", ".join(f"CAST({_qi(c.name)} AS {c.type}) AS {_qi(c.name)}" for c in t.columns)
        source = f"(SELECT {casts} FROM read_parquet({_ql(str(path))}))"
        expected = _content_checksum(con, source)
        expected = (t.rows, expected[1])
    if (rows, checksum) != expected:
        raise BackupError(
            f"table {t.name}: restored {rows:,} rows with content checksum {checksum}, the "
            f"backup says {expected[0]:,} rows and {expected[1]}: {path} does not hold the "
            "data backed up; warehouse unchanged, restore another backup"
        )


def _audit_entries_not_in(live: Path, backup_file: Path) -> tuple[int, str | None]:
    """(count, latest time) of the live audit entries the backup's audit log lacks."""
    con = sqlite3.connect(_uri(live, "ro"), uri=True, timeout=30)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "audit_log" not in tables:
            return 0, None
        con.execute("ATTACH DATABASE ? AS backup", (_uri(backup_file, "ro"),))
        return con.execute(
            "SELECT count(*), max(at) FROM main.audit_log AS a WHERE NOT EXISTS ("
            " SELECT 1 FROM backup.audit_log AS b WHERE b.id = a.id AND b.at = a.at"
            " AND b.username IS a.username AND b.event = a.event AND b.detail = a.detail)"
        ).fetchone()
    finally:
        con.close()


def _refuse_losing_audit(live: Path, backup_file: Path) -> None:
    if not live.exists():
        return
    try:
        lost, latest = _audit_entries_not_in(live, backup_file)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot compare {live} with {backup_file}: {exc}") from None
    if lost:
        raise BackupError(
            f"{live} has {lost:,} audit log entries (latest at {latest}) that the backup lacks: "
            "restoring the accounts would erase them, and the audit log is append-only. "
            "Restore without --with-accounts, or move that accounts store aside first"
        )


def _restore_accounts(backup_file: Path, live: Path) -> None:
    """Replace the live accounts store by the backup's, in one step under SQLite's locks
    (processes holding it open see the old or the new store)."""
    live.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(_uri(backup_file, "ro"), uri=True)
    dst = sqlite3.connect(live, timeout=30)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore the accounts into {live}: {exc}") from None
    finally:
        src.close()
        dst.close()


# -- helpers --------------------------------------------------------------------------------


def _qi(name: str) -> str:
    """A quoted SQL identifier (table and column names come from the catalog or the
    manifest, which checked their form)."""
    return '"' + name.replace('"', '""') + '"'


def _ql(text: str) -> str:
    """A quoted SQL string literal, for file paths where DuckDB takes no parameter (COPY)."""
    return "'" + text.replace("'", "''") + "'"


def _uri(path: Path, mode: str) -> str:
    """A SQLite URI for ``path`` (so that ``?mode=`` applies, also to ATTACH)."""
    return f"file:{quote(str(path.absolute()))}?mode={mode}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _daihou_version() -> str:
    with contextlib.suppress(metadata.PackageNotFoundError):
        return metadata.version("daihou")
    return "unknown"
