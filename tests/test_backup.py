"""`daihou backup` / `daihou restore` (issue 7, point 4): every table round-trips, a restore
gives identical `daihou figures`, a damaged backup changes nothing, restore is atomic."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from fixtures_demo import DemoBank
from fixtures_tiny_bank import build_tiny_bank

from daihou.accounts import Accounts
from warehouse import backup as backup_module
from warehouse.backup import BackupError, Manifest, backup, read_manifest, restore
from warehouse.connection import Warehouse

DAIHOU = [sys.executable, "-m", "daihou.cli"]


def daihou(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The real command line, started (run several at once: each pays Python's start-up)."""
    return subprocess.Popen(
        [*DAIHOU, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def state(warehouse: Path) -> tuple[str, str, list[str]]:
    """What must not change when a restore is refused: the generation the link names, its
    bytes, and the files of the generations folder (no new generation, no stray file)."""
    current = Warehouse(warehouse).current_file()
    assert current is not None
    folder = Warehouse(warehouse).generations
    return current.name, sha256(current), sorted(p.name for p in folder.iterdir())


def catalog(warehouse: Path) -> dict[str, tuple[int, list[tuple[str, str, bool]]]]:
    """table -> (rows, [(column, DuckDB type, nullable)])."""
    with Warehouse(warehouse).connect_read_only() as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1"
            ).fetchall()
        ]
        out = {}
        for name in names:
            rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            cols = con.execute(
                "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
                "WHERE table_name = $t ORDER BY column_index",
                {"t": name},
            ).fetchall()
            out[name] = (rows, cols)
    return out


def assert_same_content(a: Path, b: Path, tables: list[str]) -> None:
    """Every row of every table in both warehouses, duplicates counted (EXCEPT ALL both ways):
    independent of the backup's own checksum."""
    with duckdb.connect() as con:
        con.execute("ATTACH $p AS a (READ_ONLY)", {"p": str(Warehouse(a).current_file())})
        con.execute("ATTACH $p AS b (READ_ONLY)", {"p": str(Warehouse(b).current_file())})
        for t in tables:
            for x, y in (("a", "b"), ("b", "a")):
                sql = f'SELECT count(*) FROM (FROM {x}."{t}" EXCEPT ALL FROM {y}."{t}")'
                assert con.execute(sql).fetchall()[0][0] == 0, f"{t}: rows of {x} not in {y}"


@pytest.fixture(scope="module")
def tiny_backup(tiny_bank: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the tiny bank (no accounts); copy it before changing it."""
    out = tmp_path_factory.mktemp("tiny_backup") / "backup"
    backup(tiny_bank, out, None)
    return out


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """A live warehouse to restore over: the tiny bank plus a table no backup holds."""
    path = build_tiny_bank(tmp_path / "target" / "wh.duckdb")
    with Warehouse(path).writer() as con:
        con.execute("CREATE TABLE scratch AS SELECT 1 AS x")
        con.execute("DELETE FROM fct_loan_snapshot WHERE as_of_date = DATE '2025-12-31'")
    return path


def copy_backup(src: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(src, out)
    return out


def edit_manifest(folder: Path, change: Callable[[dict], object]) -> None:
    path = folder / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def entry(data: dict, table: str) -> dict:
    return next(t for t in data["tables"] if t["name"] == table)


# -- round trip -----------------------------------------------------------------------------


def test_every_table_round_trips(tiny_bank: Path, tiny_backup: Path, tmp_path: Path) -> None:
    """Same tables, row counts, column types and nullability, same rows; the manifest says
    so too, and its checksums match the restored tables."""
    manifest = read_manifest(tiny_backup)
    source = catalog(tiny_bank)
    assert [t.name for t in manifest.tables] == sorted(source)
    for t in manifest.tables:
        rows, cols = source[t.name]
        assert t.rows == rows and [(c.name, c.type, c.nullable) for c in t.columns] == cols
        assert (tiny_backup / t.file).stat().st_size == t.bytes
    assert manifest.source_generation == Warehouse(tiny_bank).current_file().name
    assert manifest.duckdb_version == duckdb.__version__ and manifest.accounts is None
    assert sorted(p.name for p in tiny_backup.iterdir()) == sorted(
        ["manifest.json", *(t.file for t in manifest.tables)]
    )

    restored = tmp_path / "restored.duckdb"
    restore(tiny_backup, restored)
    assert catalog(restored) == source
    assert_same_content(tiny_bank, restored, list(source))
    with Warehouse(restored).connect_read_only() as con:
        for t in manifest.tables:
            got = backup_module._content_checksum(con, f'"{t.name}"')
            assert got == (t.rows, t.checksum)


def test_cli_restore_gives_identical_figures(tiny_bank: Path, tmp_path: Path) -> None:
    """Issue 7's acceptance, on the tiny bank: backup → restore → `daihou figures` prints the
    same bytes as on the original warehouse."""
    env = {"DAIHOU_DATA_DIR": str(tmp_path), "DAIHOU_ACCOUNTS": str(tmp_path / "acc.db")}
    folder, restored = tmp_path / "bk", tmp_path / "restored.duckdb"
    code, out, err = finish(daihou("backup", str(folder), "--warehouse", str(tiny_bank), env=env))
    assert code == 0, err
    assert "fct_loan_snapshot" in out and "26" in out
    code, out, err = finish(daihou("restore", str(folder), "--warehouse", str(restored), env=env))
    assert code == 0, err
    assert "restored" in out and not (tmp_path / "acc.db").exists()

    cases = [("000", "2025-12-31"), ("100", "2025-11-30")]
    runs = [
        daihou("figures", "--as-of", as_of, "--org", org, "--warehouse", str(wh), env=env)
        for org, as_of in cases
        for wh in (tiny_bank, restored)
    ]
    results = [finish(p) for p in runs]
    for (org, _), before, after in zip(cases, results[::2], results[1::2], strict=True):
        assert before[0] == 0 and after[0] == 0, before[2] + after[2]
        assert json.loads(before[1])["org_id"] == org and json.loads(before[1])["loan_count"]
        assert before[1] == after[1]


@pytest.mark.slow
def test_demo_bank_backup_restore_gives_identical_figures(
    demo_bank: DemoBank, tmp_path: Path
) -> None:
    """End to end on the loaded demo bank (aggregates, obligations, watch list, load
    bookkeeping) and an accounts store: every table, the accounts and `daihou figures` for
    several orgs and dates come back identical."""
    source = demo_bank.settings.warehouse_path
    accounts = tmp_path / "live" / "accounts.db"
    Accounts(accounts).add("admin", "pw-0001", "admin", "HO")
    Accounts(accounts).record("admin", "export", "probe")
    folder, restored = tmp_path / "bk", tmp_path / "restored" / "wh.duckdb"
    restored_accounts = tmp_path / "restored" / "accounts.db"

    code, _, err = finish(
        daihou("backup", str(folder), "--warehouse", str(source),
               env={"DAIHOU_ACCOUNTS": str(accounts)})
    )  # fmt: skip
    assert code == 0, err
    code, _, err = finish(
        daihou("restore", str(folder), "--with-accounts", "--warehouse", str(restored),
               env={"DAIHOU_ACCOUNTS": str(restored_accounts)})
    )  # fmt: skip
    assert code == 0, err

    tables = catalog(source)
    assert catalog(restored) == tables
    assert {"fct_obligation", "agg_watchlist_month", "meta_load_run"} <= set(tables)
    assert_same_content(source, restored, list(tables))
    assert Accounts(restored_accounts).list() == Accounts(accounts).list()
    assert Accounts(restored_accounts).audit_log() == Accounts(accounts).audit_log()

    with Warehouse(source).connect_read_only() as con:
        root, branch, sub = con.execute(
            "SELECT min(org_id) FILTER (WHERE level = 'head_office'), "
            "min(org_id) FILTER (WHERE level = 'branch'), "
            "max(org_id) FILTER (WHERE level = 'sub_branch') FROM dim_org"
        ).fetchall()[0]
    cases = [
        (root, "2025-12-31", None),
        (branch, "2025-06-30", "2024-12-31"),
        (sub, "2024-12-31", None),
    ]
    runs = []
    for org, as_of, opening in cases:
        extra = ["--opening", opening] if opening else []
        for wh in (source, restored):
            runs.append(
                daihou("figures", "--as-of", as_of, "--org", org, *extra, "--warehouse", str(wh))
            )
    results = [finish(p) for p in runs]
    for before, after in zip(results[::2], results[1::2], strict=True):
        assert before[0] == 0 and after[0] == 0, before[2] + after[2]
        assert json.loads(before[1])["loan_count"] > 0
        assert before[1] == after[1]


# -- refusals -------------------------------------------------------------------------------


def _flip_byte(folder: Path) -> None:
    path = folder / "fct_loan_snapshot.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _wrong_rows(folder: Path) -> None:
    edit_manifest(folder, lambda d: entry(d, "dim_loan").update(rows=10))


def _new_content_same_shape(folder: Path) -> None:
    """Another content with the manifest's SHA-256, size and row count updated: only the
    content checksum, checked inside the new generation, can tell."""
    path = folder / "fct_loan_snapshot.parquet"
    changed = folder / "changed.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * REPLACE (balance + 1 AS balance) FROM read_parquet('{path}')) "
            f"TO '{changed}' (FORMAT parquet)"
        )
    os.replace(changed, path)
    edit_manifest(
        folder,
        lambda d: entry(d, "fct_loan_snapshot").update(
            sha256=sha256(path), bytes=path.stat().st_size
        ),
    )


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_flip_byte, "fct_loan_snapshot.parquet is damaged"),
        (lambda f: (f / "dim_org.parquet").unlink(), "dim_org.parquet is missing"),
        (_wrong_rows, "holds 9 rows, the manifest says 10"),
        (lambda f: (f / "manifest.json").unlink(), "manifest.json is missing"),
        (
            lambda f: edit_manifest(f, lambda d: d.update(format_version=99)),
            "format version 99",
        ),
        (
            lambda f: edit_manifest(
                f, lambda d: entry(d, "dim_org")["columns"][0].update(type="VARCHAR; DROP")
            ),
            "the manifest was edited",
        ),
        (_new_content_same_shape, "fct_loan_snapshot: restored 26 rows with content checksum"),
    ],
    ids=["tampered", "missing", "row_count", "no_manifest", "version", "type", "content"],
)
def test_damaged_backup_is_refused_and_changes_nothing(
    tiny_backup: Path,
    target: Path,
    tmp_path: Path,
    damage: Callable[[Path], object],
    message: str,
) -> None:
    folder = copy_backup(tiny_backup, tmp_path)
    damage(folder)
    before = state(target)
    with pytest.raises(BackupError, match=message):
        restore(folder, target)
    assert state(target) == before
    assert "scratch" in catalog(target)


def test_other_duckdb_hash_compares_with_the_files(
    tiny_backup: Path, tiny_bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DuckDB whose hash() differs (its probe differs) still restores, verifying the
    restored tables against the SHA-checked Parquet files instead of the manifest."""
    monkeypatch.setattr(backup_module, "_PROBE_SQL", "SELECT 'another hash()'")
    restored = tmp_path / "restored.duckdb"
    restore(tiny_backup, restored)
    assert catalog(restored) == catalog(tiny_bank)


def test_cli_refusals_exit_2(tiny_backup: Path, tiny_bank: Path, tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    env = {"DAIHOU_ACCOUNTS": str(tmp_path / "acc.db")}
    damaged = copy_backup(tiny_backup, tmp_path)
    _flip_byte(damaged)
    runs = [
        daihou("backup", str(full), "--warehouse", str(tiny_bank), env=env),
        daihou("restore", str(damaged), "--warehouse", str(tmp_path / "new.duckdb"), env=env),
    ]
    (code1, _, err1), (code2, _, err2) = (finish(p) for p in runs)
    assert code1 == 2 and "not an empty folder" in err1
    assert code2 == 2 and "is damaged" in err2 and "restore refused" in err2
    assert (full / "keep.txt").read_text() == "mine" and sorted(full.iterdir()) == [
        full / "keep.txt"
    ]
    assert not (tmp_path / "new.duckdb").exists()


def test_backup_refuses_a_non_empty_folder_and_never_looks_complete_half_written(
    tiny_bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "old").write_text("x")
    with pytest.raises(BackupError, match="not an empty folder"):
        backup(tiny_bank, full, None)

    empty = tmp_path / "empty"
    empty.mkdir()
    assert backup(tiny_bank, empty, None).tables  # an empty existing folder is fine

    stale = tmp_path / ".crashed.tmp-999999999"  # a killed backup's folder: no such process
    stale.mkdir()
    calls = []

    def failing_export(con: duckdb.DuckDBPyConnection, name: str, folder: Path) -> object:
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_export(con, name, folder)

    real_export = backup_module._export_table
    monkeypatch.setattr(backup_module, "_export_table", failing_export)
    with pytest.raises(OSError, match="disk full"):
        backup(tiny_bank, tmp_path / "crashed", None)
    assert not (tmp_path / "crashed").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".crashed")] == []


def test_backup_during_a_load_holds_the_previous_generation(target: Path, tmp_path: Path) -> None:
    """A load in progress (its generation not yet published) does not block a backup, and
    none of its rows reach it; a reader holding the warehouse open does not block it either."""
    reader = Warehouse(target).connect_read_only()
    before = state(target)[0]
    with Warehouse(target).writer() as con:
        con.execute("DELETE FROM dim_org")
        con.execute("CREATE TABLE half_loaded AS SELECT 1 AS x")
        manifest = backup(target, tmp_path / "bk", None)
    reader.close()
    assert manifest.source_generation == before
    rows = {t.name: t.rows for t in manifest.tables}
    assert rows["dim_org"] == 7 and "half_loaded" not in rows and rows["scratch"] == 1
    assert catalog(target)["dim_org"][0] == 0  # the load did publish afterwards


def test_restore_refused_while_a_load_writes(tiny_backup: Path, target: Path) -> None:
    before = state(target)
    with pytest.raises(BackupError, match="another load"), Warehouse(target).writer():
        restore(tiny_backup, target)
    assert state(target) == before


# -- atomic over a live warehouse -----------------------------------------------------------


def test_restore_over_a_live_warehouse_publishes_a_new_generation(
    tiny_backup: Path, tiny_bank: Path, target: Path
) -> None:
    """A reader holding the old generation keeps answering with the old data; new readers
    get exactly the backed-up tables (the target's extra table is gone)."""
    old_name = state(target)[0]
    reader = Warehouse(target).connect_read_only()
    count = "SELECT count(*) FROM fct_loan_snapshot"
    assert reader.execute(count).fetchall()[0][0] == 17
    restore(tiny_backup, target)

    assert state(target)[0] != old_name
    assert (Warehouse(target).generations / old_name).exists()  # kept for readers like this
    assert reader.execute(count).fetchall()[0][0] == 17
    assert reader.execute("SELECT x FROM scratch").fetchall() == [(1,)]
    reader.close()
    assert catalog(target) == catalog(tiny_bank)
    assert_same_content(tiny_bank, target, list(catalog(tiny_bank)))


# -- accounts -------------------------------------------------------------------------------


def test_accounts_are_backed_up_and_restored_only_on_request(
    tiny_bank: Path, target: Path, tmp_path: Path
) -> None:
    live = tmp_path / "accounts.db"
    Accounts(live).add("admin", "pw-0001", "admin", "000")
    Accounts(live).add("hr", "pw-0002", "hr", "000")
    folder = tmp_path / "bk"
    manifest: Manifest = backup(tiny_bank, folder, live)
    assert manifest.accounts is not None
    assert (manifest.accounts.accounts, manifest.accounts.audit_entries) == (2, 2)
    assert (folder / "accounts.db").is_file() and not (folder / "accounts.db-wal").exists()

    # not asked: the accounts store is not touched (even one that has moved on)
    Accounts(live).disable("hr")
    live_sha = sha256(live)
    restore(folder, target)
    assert sha256(live) == live_sha and Accounts(live).get("hr").disabled

    # asked, but the live audit log has an entry the backup lacks: refused, nothing changes
    before = state(target)
    with pytest.raises(BackupError, match="1 audit log entries"):
        restore(folder, target, accounts=live)
    assert state(target) == before and sha256(live) == live_sha

    # asked, into a store that is lost (or one the backup holds whole): restored
    lost = tmp_path / "new" / "accounts.db"
    restore(folder, target, accounts=lost)
    assert [a.username for a in Accounts(lost).list()] == ["admin", "hr"]
    assert not Accounts(lost).get("hr").disabled
    assert len(Accounts(lost).audit_log()) == 2
    restore(folder, target, accounts=lost)  # the same store again: nothing would be lost


def test_with_accounts_refused_when_the_backup_has_none(
    tiny_backup: Path, target: Path, tmp_path: Path
) -> None:
    before = state(target)
    with pytest.raises(BackupError, match="holds no accounts store"):
        restore(tiny_backup, target, accounts=tmp_path / "accounts.db")
    assert state(target) == before and not (tmp_path / "accounts.db").exists()
