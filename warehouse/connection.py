"""The one place that opens warehouse connections.

Design (README "How loads stay atomic"): the warehouse path the user names, e.g.
``data/daihou.duckdb``, is a symbolic link to one *generation* file in ``data/daihou.duckdb.d/``.
A load copies the current generation to a new file, writes into the copy, checkpoints it and
then swaps the link with one atomic ``rename``. So:

- readers (the dashboard, ``figures``) open the current generation read-only and never see a
  half-written month, and keep answering while a load runs;
- a load that fails or is killed leaves only a stray temporary file, which the next load
  removes; the link still names the untouched previous generation;
- the write lock is an ``flock`` that the kernel releases when its process dies: never stale.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
GIB = 1024**3
KEEP_GENERATIONS = 2  # the current one and the one before (readers may still hold it open)


class WarehouseError(RuntimeError):
    """A warehouse that cannot be opened as asked; the message says what to do."""


class Warehouse:
    """A warehouse location: the link, its generations folder and its write lock."""

    def __init__(self, path: Path | str):
        self.path = Path(path).absolute()
        self.generations = self.path.with_name(self.path.name + ".d")

    def current_file(self) -> Path | None:
        """The generation file readers should open now, or None when nothing was loaded."""
        if self.path.is_symlink():
            target = self.path.resolve()
            return target if target.exists() else None
        return self.path if self.path.is_file() else None

    def exists(self) -> bool:
        return self.current_file() is not None

    def connect_read_only(self, generation: Path | None = None) -> duckdb.DuckDBPyConnection:
        """A read-only connection to ``generation`` (a file current_file() returned) or now's."""
        current = generation or self.current_file()
        if current is None:
            raise WarehouseError(
                f"no warehouse at {self.path}: load an extract first (daihou load EXTRACT_DIR)"
            )
        return duckdb.connect(str(current), read_only=True)

    @contextlib.contextmanager
    def writer(
        self, memory_limit: str | None = None, threads: int | None = None, fresh: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to a new generation, published only if the block succeeds:
        a copy of the current one, or with ``fresh`` an empty one (a restore)."""
        self.generations.mkdir(parents=True, exist_ok=True)
        with self._write_lock():
            self._adopt_plain_file()
            self._remove_stray_files()
            stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 10**9:09d}"
            tmp = self.generations / f"gen-{stamp}.duckdb.tmp"
            current = None if fresh else self.current_file()
            con = None
            try:
                if current is not None:
                    self._check_room_for_copy(current)
                    shutil.copyfile(current, tmp)
                con = duckdb.connect(str(tmp))
                if memory_limit:
                    con.execute("SET memory_limit = ?", [memory_limit])
                if threads:
                    con.execute(f"SET threads = {int(threads)}")
                con.execute("SET preserve_insertion_order = true")
                con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
                yield con
                con.execute("CHECKPOINT")
            except BaseException as exc:
                if con is not None:
                    con.close()
                _unlink(tmp, tmp.with_name(tmp.name + ".wal"))
                if _is_disk_full(exc):
                    raise self._disk_full(exc) from exc
                raise
            con.close()
            final = tmp.with_suffix("")  # drop ".tmp"
            _fsync(tmp)
            os.replace(tmp, final)
            self._publish(final)

    # -- internals ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        lock_path = self.generations / "write.lock"
        with open(lock_path, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WarehouseError(
                    f"another load is writing {self.path}; wait for it to finish"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _check_room_for_copy(self, current: Path) -> None:
        """Refuse before copying when the copy alone would not fit: a load onto a warehouse
        needs its size again on the same disk, and more for what it adds and spills."""
        size = current.stat().st_size
        free = shutil.disk_usage(self.generations).free
        if free < size:
            raise WarehouseError(
                f"not enough disk space for a load onto {self.path}: a load starts from a copy "
                f"of the current warehouse file ({size / GIB:,.1f} GiB), but {self.generations} "
                f"has {free / GIB:,.1f} GiB free. Free at least {(size - free) / GIB:,.1f} GiB "
                "more (plus room for the new rows and DuckDB's spill files), or keep the "
                "warehouse on a larger disk (--warehouse or DAIHOU_WAREHOUSE), then load again"
            )

    def _disk_full(self, exc: BaseException) -> WarehouseError:
        return WarehouseError(
            f"the disk holding {self.generations} filled up during the load ({exc}); the "
            "unfinished generation was removed and the warehouse is unchanged. Free disk space "
            "(a load needs the warehouse file's size again, plus room for the new rows and "
            "DuckDB's spill files), then load again"
        )

    def _adopt_plain_file(self) -> None:
        """Turn a plain DuckDB file at the path into the first generation."""
        if self.path.is_file() and not self.path.is_symlink():
            target = self.generations / "gen-00000000T000000-000000000.duckdb"
            os.replace(self.path, target)
            self._publish(target)

    def _publish(self, target: Path) -> None:
        link_tmp = self.path.with_name(f".{self.path.name}.link-{os.getpid()}")
        _unlink(link_tmp)
        os.symlink(os.path.relpath(target, self.path.parent), link_tmp)
        os.replace(link_tmp, self.path)
        _fsync_dir(self.path.parent)
        self._prune(keep=target)

    def _remove_stray_files(self) -> None:
        """Delete what a killed load left behind: temporary generations, their WALs and spill
        folders, and a link it was about to rename into place."""
        for f in self.generations.glob("*.tmp*"):
            if f.is_dir():  # DuckDB's spill folder of a killed load
                shutil.rmtree(f, ignore_errors=True)
            else:
                _unlink(f)
        for f in self.path.parent.glob(f".{self.path.name}.link-*"):
            _unlink(f)

    def _prune(self, keep: Path) -> None:
        gens = sorted(self.generations.glob("gen-*.duckdb"))
        old = [g for g in gens if g != keep][: max(0, len(gens) - KEEP_GENERATIONS)]
        for g in old:
            _unlink(g, g.with_name(g.name + ".wal"))


def _is_disk_full(exc: BaseException) -> bool:
    """A full disk, as the OS (ENOSPC) or DuckDB (an IOException naming it) reports it."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    return isinstance(exc, duckdb.IOException) and "No space left on device" in str(exc)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse has this table: asked of the catalog, because a failed query
    would abort an enclosing transaction."""
    sql = "SELECT count(*) FROM duckdb_tables() WHERE table_name = $name"
    return con.execute(sql, {"name": name}).fetchall()[0][0] > 0


def _unlink(*paths: Path) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
