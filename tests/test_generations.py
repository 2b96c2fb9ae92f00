"""Warehouse generations (warehouse.connection): what a killed load leaves behind is cleared by
the next writer, and a failed write publishes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.connection import Warehouse


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
