"""What the benchmark scripts share: child processes with their own peak memory, the machine,
the scopes timed, and how times and ratios are printed.

Imported by the scripts beside it (run as ``python benchmarks/<script>.py``, so this folder is
on sys.path).
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
GIB = 2**30


class StepFailed(RuntimeError):
    """A child process exited with an error: what it was, and the last line it wrote."""

    def __init__(self, what: str, returncode: int, stderr: str) -> None:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        self.what = what
        self.summary = (lines[-1] if lines else f"exit code {returncode}")[:400]
        super().__init__(f"{what} failed ({returncode}):\n{stderr[-4000:]}")


@dataclass(frozen=True)
class Step:
    """A child process's wall time, its own peak memory (VmHWM) and what it printed."""

    seconds: float
    peak_gib: float
    stdout: str


def run_child(args: list[str], env: dict[str, str] | None = None, what: str = "") -> Step:
    """Run ``python benchmarks/peak.py ARGS`` (``-m MODULE …`` or ``-c CODE …``) and return its
    time and peak memory; raises StepFailed when it fails."""
    peak_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-peak-{os.getpid()}"
    env = {**(env or os.environ), "BENCH_PEAK_FILE": str(peak_file)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(HERE / "peak.py"), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        peak_file.unlink(missing_ok=True)
        raise StepFailed(what or " ".join(args)[:200], done.returncode, done.stderr)
    peak = int(peak_file.read_text()) / GIB
    peak_file.unlink()
    return Step(seconds, peak, done.stdout)


def last_json(stdout: str) -> dict:
    """The JSON object a command printed last (``daihou load --json``)."""
    return json.loads(stdout.strip().splitlines()[-1])


def machine() -> str:
    """One line describing the machine and software the numbers were taken on."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB memory, {platform.platform()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def load_average() -> str:
    """The 1/5/15-minute load averages: how busy the (shared) machine was."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def timed(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """(median seconds of ``runs`` calls after one warm-up call, the warm-up's answer)."""
    result = fn()
    times = []
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bind(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The parameters ``sql`` names (``$name``): DuckDB refuses unused ones."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


# -- the scopes every timing is taken for --------------------------------------------------------


def root_org(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchone()[0]


def largest_sub_branch(con: duckdb.DuckDBPyConnection) -> str:
    """The sub-branch with the most loans."""
    return con.execute(
        "SELECT l.org_id FROM dim_loan AS l JOIN dim_org AS o USING (org_id) "
        "WHERE o.level = 'sub_branch' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()[0]


def large_manager(con: duckdb.DuckDBPyConnection) -> tuple[str, str, int]:
    """(staff id, own org, loans on the book) of the account manager with the most loans on
    the book at the latest month end: a large book."""
    latest = con.execute("SELECT max(as_of_date) FROM fct_loan_snapshot").fetchone()[0]
    manager, org, book = con.execute(
        "SELECT s.manager_id, st.org_id, count(*) FROM fct_loan_snapshot AS s "
        "JOIN dim_staff AS st ON st.staff_id = s.manager_id "
        "WHERE s.as_of_date = $latest AND s.status = 'active' AND s.balance > 0 "
        "GROUP BY ALL ORDER BY 3 DESC, 1 LIMIT 1",
        {"latest": latest},
    ).fetchone()
    return manager, org, book


def busiest_customer(con: duckdb.DuckDBPyConnection, manager: str) -> str:
    """The customer with the most inspection obligations under ``manager``: a full borrower
    file for the manager's pages."""
    return con.execute(
        "SELECT customer_id FROM fct_obligation WHERE manager_id = $manager "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        {"manager": manager},
    ).fetchone()[0]


# -- printing ------------------------------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> str:
    """``2.07×``; two decimals below 10, none above; ``—`` without both."""
    if not numerator or not denominator:
        return "—"
    r = numerator / denominator
    return f"{r:.2f}×" if r < 10 else f"{r:,.0f}×"


def ms(seconds: float | None) -> str:
    """Milliseconds with one decimal below 100 ms, none above; ``—`` for None."""
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.1f}" if seconds < 0.1 else f"{seconds * 1000:,.0f}"


def slowest(entry: dict) -> tuple[str, float]:
    """The slowest statement of a page run (bench_pages.py's rows): (its label, seconds)."""
    return max(entry["statements"].items(), key=lambda kv: kv[1])


def table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> list[str]:
    """A markdown table; columns whose index is in ``right`` are right-aligned."""
    right = right or set()
    rule = ["---:" if i in right else "---" for i in range(len(header))]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(rule) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
