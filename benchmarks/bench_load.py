"""Time demo-bank generation and a full load against the floor, in one run on the same files.

    python benchmarks/bench_load.py --scale medium [--work benchmarks/work] [--keep]

Steps, each in its own child process so that its peak memory (``peak.py``) is its own:
1. ``daihou generate`` of the chosen scale;
2. the floor: bare DuckDB ``CREATE TABLE … AS SELECT * FROM read_csv(…)`` of every entity file
   into plain tables of a fresh database file (no checks, no types beyond auto-detection);
3. ``daihou load`` of the same extract into an empty warehouse;
4. a second ``daihou load`` of the same extract (idempotent re-load into a full warehouse).
Prints a table with seconds, rows per second, peak memory and the load/floor ratio, and writes
it as markdown to ``benchmarks/results/load-<scale>.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
FLOOR = """
import duckdb, sys, pathlib
ex, db = pathlib.Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(db)
for f in sorted(ex.glob('*.csv')) + sorted(ex.glob('*.parquet')):
    reader = 'read_csv' if f.suffix == '.csv' else 'read_parquet'
    con.execute(f"CREATE TABLE {f.stem} AS SELECT * FROM {reader}('{f}')")
con.execute('CHECKPOINT')
"""


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``python benchmarks/peak.py ARGS``; return (seconds, its peak memory in GiB, output)."""
    peak_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-peak-{os.getpid()}"
    env = {**(env or os.environ), "BENCH_PEAK_FILE": str(peak_file)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(HERE / "peak.py"), *args], env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    peak = int(peak_file.read_text()) / 2**30
    peak_file.unlink()
    return seconds, peak, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", choices=["small", "medium", "large"], default="medium")
    ap.add_argument("--seed", type=int, default=20251231)
    ap.add_argument("--work", type=Path, default=HERE / "work")
    ap.add_argument("--keep", action="store_true", help="keep the generated extract and databases")
    args = ap.parse_args()

    work = args.work / args.scale
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    extract, floor_db, wh = work / "extract", work / "floor.duckdb", work / "wh.duckdb"
    daihou = ["-m", "daihou.cli"]
    env = {**os.environ, "DAIHOU_WAREHOUSE": str(wh)}

    results: list[tuple[str, float, float, str]] = []
    gen_s, gen_gib, _ = run(
        [
            *daihou,
            "generate",
            "--out",
            str(extract),
            "--scale",
            args.scale,
            "--seed",
            str(args.seed),
        ]
    )
    manifest = json.loads((extract / "manifest.json").read_text())
    rows_total = sum(manifest["rows"].values())
    results.append(("generate", gen_s, gen_gib, ""))
    size_gib = sum(f.stat().st_size for f in extract.glob("*.*")) / 2**30

    floor_s, floor_gib, _ = run(["-c", FLOOR, str(extract), str(floor_db)])
    results.append(("floor: bare DuckDB read into plain tables", floor_s, floor_gib, "1.00×"))

    load_s, load_gib, out = run([*daihou, "load", str(extract), "--json"], env)
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["rows_read"] == rows_total, (summary["rows_read"], rows_total)
    results.append(("daihou load (empty warehouse)", load_s, load_gib, f"{load_s / floor_s:.2f}×"))

    again_s, again_gib, _ = run([*daihou, "load", str(extract), "--json"], env)
    results.append(
        ("daihou load again (same extract)", again_s, again_gib, f"{again_s / floor_s:.2f}×")
    )

    wh_gib = Path(os.path.realpath(wh)).stat().st_size / 2**30
    lines = [
        f"# Load benchmark, {args.scale} scale",
        "",
        f"Machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.platform()}, Python {platform.python_version()}. "
        f"Run {time.strftime('%Y-%m-%d %H:%M')}.",
        f"Extract: {rows_total:,} data rows in {size_gib:.2f} GiB of files "
        f"({manifest['rows'].get('loans', 0):,} loans, "
        f"{manifest['rows'].get('loan_snapshots', 0):,} snapshots); "
        f"warehouse file {wh_gib:.2f} GiB; rows rejected {summary['rows_rejected']:,}.",
        "",
        "| step | seconds | rows/s | peak memory | vs floor |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, seconds, gib, ratio in results:
        lines.append(
            f"| {name} | {seconds:,.1f} | {rows_total / seconds:,.0f} | {gib:.2f} GiB | {ratio} |"
        )
    steps = ", ".join(f"{k} {v:,.1f} s" for k, v in summary["step_seconds"].items())
    lines += ["", f"Where the first load's time goes: {steps}."]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"load-{args.scale}.md").write_text(text)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
