"""Warehouse generations (warehouse.connection): what a killed load leaves behind is cleared by
the next writer, a failed write publishes nothing, and a disk too small for the copy a load
starts from is refused with a message instead of a traceback, leaving no partial copy."""

from __future__ import annotations

import errno
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from warehouse import connection
from warehouse.connection import Warehouse, WarehouseError


def test_the_next_writer_clears_what_a_killed_load_left(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh.duckdb")
    with wh.writer() as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    first = wh.current_file()
    # a killed load: its temporary generation, WAL, DuckDB spill folder and unrenamed link
    (wh.generations / "gen-x.duckdb.tmp").write_bytes(b"half")
    (wh.generations / "gen-x.duckdb.tmp.wal").write_bytes(b"half")
    spill = wh.generations / "gen-x.duckdb.tmp.tmp"
    spill.mkdir()
    (spill / "duckdb_temp_block-1.block").write_bytes(b"\0" * 16)
    (tmp_path / ".wh.duckdb.link-4242").symlink_to(first)
    with wh.writer() as con:
        con.execute("INSERT INTO t VALUES (2)")
    assert sorted(p.name for p in wh.generations.glob("*tmp*")) == []
    assert not list(tmp_path.glob(".wh.duckdb.link-*"))
    with wh.connect_read_only() as con:
        assert con.execute("SELECT sum(x) FROM t").fetchone()[0] == 3


def test_a_failed_write_publishes_nothing(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh.duckdb")
    with wh.writer() as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    before = wh.current_file()
    with pytest.raises(RuntimeError), wh.writer() as con:
        con.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("the load failed")
    assert wh.current_file() == before
    with wh.connect_read_only() as con:
        assert con.execute("SELECT sum(x) FROM t").fetchone()[0] == 1
    assert not list(wh.generations.glob("*.tmp*"))


def _warehouse_with_one_table(tmp_path: Path) -> Warehouse:
    wh = Warehouse(tmp_path / "wh.duckdb")
    with wh.writer() as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    return wh


def test_a_load_that_cannot_copy_the_warehouse_is_refused_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh = _warehouse_with_one_table(tmp_path)
    before = wh.current_file()
    size = before.stat().st_size
    free = SimpleNamespace(total=size * 10, used=size * 9 + 1, free=size - 1)
    monkeypatch.setattr(connection.shutil, "disk_usage", lambda _: free)
    with pytest.raises(WarehouseError, match="not enough disk space") as refused, wh.writer():
        pytest.fail("the block must not run")
    assert str(wh.generations) in str(refused.value)
    assert wh.current_file() == before
    assert not list(wh.generations.glob("*.tmp*"))


def test_a_disk_that_fills_up_leaves_no_partial_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh = _warehouse_with_one_table(tmp_path)
    before = wh.current_file()

    def copy_half(src: Path, dst: Path) -> None:
        Path(dst).write_bytes(Path(src).read_bytes()[:100])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(connection.shutil, "copyfile", copy_half)
    with pytest.raises(WarehouseError, match="filled up during the load"), wh.writer():
        pytest.fail("the block must not run")
    assert wh.current_file() == before
    assert not list(wh.generations.glob("*.tmp*"))
    with wh.connect_read_only() as con:
        assert con.execute("SELECT sum(x) FROM t").fetchone()[0] == 1


def test_a_disk_that_fills_up_during_the_load_is_reported_and_publishes_nothing(
    tmp_path: Path,
) -> None:
    wh = _warehouse_with_one_table(tmp_path)
    before = wh.current_file()
    with pytest.raises(WarehouseError, match="filled up during the load"), wh.writer() as con:
        con.execute("INSERT INTO t VALUES (2)")
        raise duckdb.IOException('Could not write file "x.block": No space left on device')
    assert wh.current_file() == before
    assert not list(wh.generations.glob("*.tmp*"))
