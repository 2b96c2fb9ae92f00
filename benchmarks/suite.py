"""The whole benchmark suite for one scale, written as one markdown file.

    python benchmarks/suite.py --scale small|medium|large [--work DIR] [--keep]
        [--extract DIR] [--browser | --no-browser] [--check | --no-check] [--runs N]
        [--page-runs N] [--pandas auto|yes|no]

Every heavy step runs in its own child process through ``peak.py``, so that its peak memory
(VmHWM) is its own:

1. ``daihou generate`` of the scale's demo bank (skipped with ``--extract DIR``: reuse an
   extract with its manifest.json);
2. the floor: bare DuckDB ``read_csv``/``read_parquet`` of the same files into plain tables of
   a fresh database file;
3. ``daihou load --json`` into an empty warehouse: time, peak memory, ratio to the floor,
   warehouse file size and the load's own step times; ``daihou figures`` of it at the last
   month end (whole bank and the largest sub-branch), kept for step 4; then (``--check``,
   default but at large) ``tests/test_figures_at_scale.py`` on it: the figures of the
   load-time tables against the metrics' own loan-level paths, on a seeded sample of scopes
   and dates;
5. every metric family (``bench_metrics.py``): daihou, floor, pandas, for the whole bank, the
   largest sub-branch and an account manager with a large book;
6. every statement of every page (``bench_pages.py``, Streamlit AppTest) for those scopes;
7. the pages in a real browser (``bench_browser.py``; default on for small and medium);
4. last, the incremental month (the full load removed first unless ``--keep``, so that one
   warehouse is on disk at a time): ``split_month.py`` cuts the extract into the history (up
   to the second-to-last month end) and the last month's delivery; the floor of each; the
   history loaded into a new warehouse, then the month on top; the month's rows and time as
   shares of the history's; ``daihou figures`` of that warehouse against the full load's; then
   the same month onto the history's last 12 month ends alone (``split_month.py shorten``,
   written once the longer history's warehouse is removed): how much of the month's cost grows
   with the history.

Writes benchmarks/results/suite-<scale>.md (rewritten after every step, so a failure leaves
what was measured). The work folder (default benchmarks/work/<scale>) is removed at the end
unless ``--keep``; an extract given with ``--extract`` is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import bench_browser
import bench_metrics
from harness import (
    GIB,
    HERE,
    REPO,
    RESULTS,
    Step,
    StepFailed,
    largest_sub_branch,
    last_json,
    load_average,
    machine,
    ratio,
    run_child,
    slowest,
)
from harness import ms as ms_text
from harness import table as md_table

from daihou.settings import Settings
from warehouse.connection import Warehouse

# Bare DuckDB read of every entity file of an extract into plain tables (auto-detected types,
# no checks): what any load of these files costs at least.
FLOOR = """
import duckdb, sys, pathlib
ex, db = pathlib.Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(db)
for f in sorted(ex.glob('*.csv')) + sorted(ex.glob('*.parquet')):
    reader = 'read_csv' if f.suffix == '.csv' else 'read_parquet'
    con.execute(f"CREATE TABLE {f.stem} AS SELECT * FROM {reader}('{f}')")
con.execute('CHECKPOINT')
print(sum(con.execute(f'SELECT count(*) FROM {t}').fetchone()[0]
          for (t,) in con.execute('SHOW TABLES').fetchall()))
"""
PAGE_TARGET_S = {"small": 0.3, "medium": 0.3, "large": 1.0}  # issue 8: every page query
GENERATION_LIMIT_GIB = 8.0  # issue 8: large generation within 8 GiB
LOAD_LIMIT_GIB = 24.0  # … and the large load within 24 GiB
FIGURES_TEST = "tests/test_figures_at_scale.py"
LOAD_RATIO_TARGET = 2.0  # load within 2× its floor
SHORT_MONTHS = 12  # the shorter history the month is also loaded onto (step 4)
METRIC_RATIO_TARGET = 3.0  # metric calls within 3× their floors …
PANDAS_RATIO_TARGET = 10.0  # … and at least 10× faster than pandas


def _size_gib(path: Path) -> float:
    """Bytes of a file (a warehouse link: its generation file) or of a folder's files."""
    path = Path(os.path.realpath(path))
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / GIB
    return path.stat().st_size / GIB


def _same_value(a: object, b: object) -> bool:
    """Equal figures: numbers to 1e-9 relative (a ratio summed in another order), the rest
    exactly."""
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def _files(extract: Path) -> list[Path]:
    return sorted(extract.glob("*.csv")) + sorted(extract.glob("*.parquet"))


class Suite:
    """The steps, and the results file rewritten after each."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scale: str = args.scale
        self.work: Path = (args.work / args.scale).resolve()
        self.started = time.perf_counter()
        self.started_at = time.strftime("%Y-%m-%d %H:%M")
        self.settings = Settings()
        self.r: dict = {}  # step -> what it measured
        self.full_figures: dict[str, dict] = {}  # scope -> `daihou figures` of the full load
        self.out = RESULTS / f"suite-{self.scale}.md"

    # -- running ---------------------------------------------------------------------------------

    def daihou(self, *args: str, warehouse: Path | None = None) -> Step:
        """``daihou ARGS`` as a child process (on ``warehouse``)."""
        env = {**os.environ}
        if warehouse is not None:
            env["DAIHOU_WAREHOUSE"] = str(warehouse)
        return run_child(["-m", "daihou.cli", *args], env, f"daihou {args[0]}")

    def floor(self, extract: Path, name: str) -> dict:
        db = self.work / f"{name}.duckdb"
        db.unlink(missing_ok=True)
        step = run_child(["-c", FLOOR, str(extract), str(db)], what=f"floor of {extract}")
        out = {
            "seconds": step.seconds,
            "peak_gib": step.peak_gib,
            "rows": int(step.stdout.strip().splitlines()[-1]),
            "db_gib": _size_gib(db),
        }
        if not self.args.keep:
            db.unlink()
        return out

    def load(self, extract: Path, warehouse: Path) -> dict:
        step = self.daihou("load", str(extract), "--json", warehouse=warehouse)
        summary = last_json(step.stdout)
        return {
            "seconds": step.seconds,
            "peak_gib": step.peak_gib,
            "rows": summary["rows_read"],
            "rejected": summary["rows_rejected"],
            "steps": summary["step_seconds"],
            "elapsed": summary["elapsed_seconds"],
            "warehouse_gib": _size_gib(warehouse),
        }

    def figures(self, warehouse: Path, as_of: str, org: str | None) -> dict:
        args = ["figures", "--as-of", as_of, *(["--org", org] if org else [])]
        done = subprocess.run(
            [sys.executable, "-m", "daihou.cli", *args],
            env={**os.environ, "DAIHOU_WAREHOUSE": str(warehouse)},
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise StepFailed(f"daihou {' '.join(args)}", done.returncode, done.stderr)
        return json.loads(done.stdout)

    def child_json(self, module: str, *args: str) -> tuple[dict, float, float]:
        out = self.work / f"{module}.json"
        step = run_child(["-m", module, *args, "--json", str(out)], what=module)
        return json.loads(out.read_text(encoding="utf-8")), step.seconds, step.peak_gib

    def save(self) -> None:
        RESULTS.mkdir(exist_ok=True)
        self.out.write_text("\n".join(self.markdown()) + "\n", encoding="utf-8")

    def step(self, name: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {name} …", flush=True)

    # -- the steps -------------------------------------------------------------------------------

    def clear(self, extract: Path) -> None:
        """Empty the work folder, but never a reused extract (which may be inside it)."""
        if not self.work.exists():
            return
        for item in self.work.iterdir():
            if self.args.extract is not None and extract.is_relative_to(item.resolve()):
                continue
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
        if not any(self.work.iterdir()):
            self.work.rmdir()

    def attempt(self, key: str, step: Callable[[], None]) -> bool:
        """Run a step; a failing child is recorded (and shown in the results) and the suite goes
        on with what does not depend on it."""
        try:
            step()
            return True
        except StepFailed as exc:
            print(exc, file=sys.stderr, flush=True)
            self.r.setdefault("failed", {})[key] = f"{exc.what}: {exc.summary}"
            self.save()
            return False

    def run(self) -> bool:
        """Every step; False when one failed."""
        a = self.args
        extract = a.extract.resolve() if a.extract else self.work / "extract"
        self.clear(extract)  # a warehouse left by an earlier --keep run would not be empty
        self.work.mkdir(parents=True, exist_ok=True)
        wh = str(self.work / "full" / "wh.duckdb")
        children = [  # (key, title, module, its options): each reads the full load's warehouse
            ("metrics", "5. metric families", "bench_metrics",
             ["--runs", str(a.runs), "--pandas", a.pandas]),
            ("pages", "6. page statements (AppTest)", "bench_pages", ["--runs", str(a.page_runs)]),
        ]  # fmt: skip
        if a.browser:
            runs = ["--runs", str(a.browser_runs)]
            children.append(("browser", "7. pages in a browser", "bench_browser", runs))
        try:
            if self.attempt("generate", lambda: self.generate(extract)) and self.attempt(
                "load", lambda: self.full_load(extract)
            ):
                if a.check:
                    self.check_figures(Path(wh))
                for key, title, module, extra in children:
                    step = partial(self.child_step, key, title, module, "--warehouse", wh, *extra)
                    self.attempt(key, step)
                # last: without --keep it first removes the full load (disk: one warehouse)
                self.attempt("incremental", lambda: self.incremental(extract))
            self.r["done"] = time.perf_counter() - self.started
            self.save()
        finally:
            if not a.keep:
                self.clear(extract)
        print("\n".join(self.markdown()))
        print(f"written to {self.out}")
        return "failed" not in self.r

    def child_step(self, key: str, title: str, module: str, *args: str) -> None:
        self.step(title)
        self.r[key] = self.child_json(module, *args)
        self.save()

    def generate(self, extract: Path) -> None:
        if self.args.extract is None:
            self.step("1. generation")
            step = self.daihou(
                "generate",
                "--out",
                str(extract),
                "--scale",
                self.scale,
                "--seed",
                str(self.args.seed),
            )
            self.r["generate"] = {"seconds": step.seconds, "peak_gib": step.peak_gib}
        manifest = json.loads((extract / "manifest.json").read_text(encoding="utf-8"))
        files = _files(extract)
        self.r["extract"] = {
            "path": str(extract),
            "reused": self.args.extract is not None,
            "rows": manifest["rows"],
            "format": ", ".join(sorted({f.suffix[1:] for f in files})),
            "files": len(files),
            "gib": sum(f.stat().st_size for f in files) / GIB,
            "month_ends": manifest["month_ends"],
            "seed": manifest.get("seed"),
        }
        self.save()

    def full_load(self, extract: Path) -> None:
        self.step("2. floor")
        self.r["floor"] = self.floor(extract, "floor")
        self.save()
        self.step("3. full load")
        full = self.work / "full" / "wh.duckdb"
        self.r["load"] = self.load(extract, full)
        with Warehouse(full).connect_read_only() as con:
            sub = largest_sub_branch(con)
        last = self.r["extract"]["month_ends"][-1]
        # what the incremental warehouse must give too (step 4)
        self.full_figures = {
            label: self.figures(full, last, org)
            for label, org in (("whole bank", None), (f"sub-branch {sub}", sub))
        }
        self.save()

    def incremental(self, extract: Path) -> None:
        if not self.args.keep:  # measured already; its figures were kept (full_load)
            shutil.rmtree(self.work / "full", ignore_errors=True)
        self.step("4. incremental month: split")
        history, month = self.work / "history", self.work / "month"
        short = self.work / "short_history"
        split = run_child(
            ["-m", "split_month", "split", str(extract), str(history), str(month)],
            what="split_month split",
        )
        inc = {"split_seconds": split.seconds}
        self.step("4. incremental month: floors")
        inc["history_floor"] = self.floor(history, "floor_history")
        inc["month_floor"] = self.floor(month, "floor_month")
        self.step("4. incremental month: loads")
        warehouse = self.work / "incremental" / "wh.duckdb"
        inc["history"] = self.load(history, warehouse)
        inc["month"] = self.load(month, warehouse)
        self.step("4. incremental month: figures")
        months = self.r["extract"]["month_ends"]
        inc["cut"], inc["last"] = months[-2], months[-1]
        checks = []
        for label, theirs in self.full_figures.items():
            org = label.removeprefix("sub-branch ") if label != "whole bank" else None
            ours = self.figures(warehouse, inc["last"], org)
            differ = sorted(k for k in theirs if not _same_value(ours.get(k), theirs[k]))
            checks.append({"scope": label, "keys": len(theirs), "differ": differ})
        inc["figures"] = checks
        self.r["incremental"] = inc
        self.save()
        # the same month onto a shorter history: what of its cost grows with the history;
        # written only now, so that the disk holds one history's warehouse and extract at a time
        self.step(f"4. incremental month: onto the last {SHORT_MONTHS} month ends")
        if not self.args.keep:
            shutil.rmtree(warehouse.parent, ignore_errors=True)
        run_child(
            ["-m", "split_month", "shorten", str(history), str(short),
             "--cut", inc["cut"], "--months", str(SHORT_MONTHS)],
            what="split_month shorten",
        )  # fmt: skip
        if not self.args.keep:
            shutil.rmtree(history, ignore_errors=True)
        warehouse = self.work / "short" / "wh.duckdb"
        inc["short_history"] = self.load(short, warehouse)
        inc["short_month"] = self.load(month, warehouse)
        if not self.args.keep:
            for folder in (short, month, warehouse.parent):
                shutil.rmtree(folder, ignore_errors=True)
        self.save()

    def check_figures(self, warehouse: Path) -> None:
        """The figures at this scale against the loan-level computation (a pytest module run
        on this warehouse); failing tests are recorded, not fatal."""
        self.step("4. figures against the loan-level computation")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=0",
             "--basetemp", str(self.work / "pytest"), FIGURES_TEST],
            env={**os.environ, "DAIHOU_CHECK_WAREHOUSE": str(warehouse)},
            cwd=REPO,
            capture_output=True,
            text=True,
        )  # fmt: skip
        lines = done.stdout.strip().splitlines()
        self.r["check"] = {
            "seconds": time.perf_counter() - started,
            "summary": lines[-1].strip("= ") if lines else done.stderr.strip()[-300:],
            "failed": [x.split(" ")[1] for x in lines if x.startswith("FAILED ")],
            "ok": done.returncode == 0,
        }
        shutil.rmtree(self.work / "pytest", ignore_errors=True)
        self.save()

    # -- the results file ------------------------------------------------------------------------

    def markdown(self) -> list[str]:
        r = self.r
        s = self.settings
        lines = [
            f"# Benchmark suite, {self.scale} scale",
            "",
            f"`python benchmarks/suite.py --scale {self.scale}`"
            + (" (extract reused)" if r.get("extract", {}).get("reused") else "")
            + f", run {self.started_at}"
            + (f", {r['done'] / 60:.0f} min in all" if "done" in r else " (incomplete)")
            + (f"; **failed: {', '.join(r['failed'])}**." if "failed" in r else "."),
            f"Machine: {machine()}; load average at the end {load_average()} (shared machine).",
            f"Settings: load memory limit {s.load_memory_limit} (DuckDB memory_limit during "
            f"loads), load threads {s.load_threads or f'DuckDB default ({os.cpu_count()})'}; "
            "floors and queries run with DuckDB's defaults.",
        ]
        if "extract" in r:
            e = r["extract"]
            rows = e["rows"]
            months = e["month_ends"]
            lines.append(
                f"Data: {rows.get('loans', 0):,} loans, {rows.get('loan_snapshots', 0):,} "
                f"snapshots, {sum(rows.values()):,} rows in {e['files']} {e['format']} files "
                f"({e['gib']:.2f} GiB), {len(months)} month ends {months[0]} … {months[-1]}, "
                f"seed {e['seed']}."
            )
        lines += self._load_section() + self._incremental_section() + self._check_section()
        lines += self._metrics_section() + self._pages_section() + self._browser_section()
        lines += self._targets_section()
        return lines

    def _failed(self, *keys: str) -> list[str]:
        """The failure of a step, as a line of the results."""
        failed = self.r.get("failed", {})
        return [f"**Failed**: {failed[k]}" for k in keys if k in failed]

    def _load_section(self) -> list[str]:
        r = self.r
        if "extract" not in r:
            return ["", "## 1. Generation and full load", "", *self._failed("generate")]
        total = sum(r["extract"]["rows"].values())
        rows = []
        if "generate" in r:
            g = r["generate"]
            rows.append(
                [f"generate (`daihou generate --scale {self.scale}`)", f"{g['seconds']:,.1f}",
                 f"{total / g['seconds']:,.0f}", f"{g['peak_gib']:.2f} GiB", ""]
            )  # fmt: skip
        floor = r.get("floor")
        if floor:
            rows.append(
                ["floor: bare DuckDB read into plain tables", f"{floor['seconds']:,.1f}",
                 f"{total / floor['seconds']:,.0f}", f"{floor['peak_gib']:.2f} GiB", "1.00×"]
            )  # fmt: skip
        load = r.get("load")
        if load:
            rows.append(
                ["`daihou load` into an empty warehouse", f"{load['seconds']:,.1f}",
                 f"{total / load['seconds']:,.0f}", f"{load['peak_gib']:.2f} GiB",
                 ratio(load["seconds"], floor["seconds"])]
            )  # fmt: skip
        lines = ["", "## 1. Generation and full load", ""]
        lines += md_table(
            ["step", "seconds", "rows/s", "peak memory", "vs floor"], rows, right={1, 2, 3, 4}
        )
        notes = []
        if "generate" in r:
            g = r["generate"]["peak_gib"]
            notes.append(
                f"Generation peak memory {g:.2f} GiB "
                f"({'within' if g <= GENERATION_LIMIT_GIB else '**over**'} the "
                f"{GENERATION_LIMIT_GIB:.0f} GiB the issue allows large generation)."
            )
        else:
            notes.append(f"Generation skipped: extract reused from {r['extract']['path']}.")
        if floor:
            notes.append(f"Floor database {floor['db_gib']:.2f} GiB ({floor['rows']:,} rows).")
        if load:
            total_steps = sum(load["steps"].values()) or 1
            where = ", ".join(
                f"{k} {v:,.1f} s ({v / total_steps:.0%})" for k, v in load["steps"].items()
            )
            notes += [
                f"Warehouse file {load['warehouse_gib']:.2f} GiB (extract "
                f"{r['extract']['gib']:.2f} GiB); {load['rows']:,} rows read, "
                f"{load['rejected']:,} rejected; load peak {load['peak_gib']:.2f} GiB "
                f"({'within' if load['peak_gib'] <= LOAD_LIMIT_GIB else '**over**'} "
                f"{LOAD_LIMIT_GIB:.0f} GiB).",
                f"Where the load's time goes ({load['elapsed']:,.1f} s inside the load; the rest "
                f"is starting Python and DuckDB): {where}.",
            ]
        return [*lines, "", *notes, *self._failed("load")]

    def _incremental_section(self) -> list[str]:
        inc = self.r.get("incremental")
        if not inc:
            failed = self._failed("incremental")
            return ["", "## 2. Incremental month", "", *failed] if failed else []
        h, m = inc["history"], inc["month"]
        hf, mf = inc["history_floor"], inc["month_floor"]
        rows = [
            [f"floor: history up to {inc['cut']}", f"{hf['rows']:,}", f"{hf['seconds']:,.1f}",
             "1.00×", f"{hf['peak_gib']:.2f} GiB"],
            [f"floor: month {inc['last']}", f"{mf['rows']:,}", f"{mf['seconds']:,.1f}", "1.00×",
             f"{mf['peak_gib']:.2f} GiB"],
            ["`daihou load` of the history into a new warehouse", f"{h['rows']:,}",
             f"{h['seconds']:,.1f}", ratio(h["seconds"], hf["seconds"]),
             f"{h['peak_gib']:.2f} GiB"],
            [f"`daihou load` of the month {inc['last']} on top", f"{m['rows']:,}",
             f"{m['seconds']:,.1f}", ratio(m["seconds"], mf["seconds"]),
             f"{m['peak_gib']:.2f} GiB"],
        ]  # fmt: skip
        short = "short_month" in inc
        if short:
            sh, sm = inc["short_history"], inc["short_month"]
            rows += [
                [f"`daihou load` of the history's last {SHORT_MONTHS} month ends alone",
                 f"{sh['rows']:,}", f"{sh['seconds']:,.1f}", "—", f"{sh['peak_gib']:.2f} GiB"],
                [f"`daihou load` of the month {inc['last']} on top of that",
                 f"{sm['rows']:,}", f"{sm['seconds']:,.1f}", ratio(sm["seconds"], mf["seconds"]),
                 f"{sm['peak_gib']:.2f} GiB"],
            ]  # fmt: skip
        row_share, time_share = m["rows"] / h["rows"], m["seconds"] / h["seconds"]
        month_steps = ", ".join(f"{k} {v:,.1f} s" for k, v in m["steps"].items())
        history_steps = ", ".join(f"{k} {v:,.1f} s" for k, v in h["steps"].items())
        lines = ["", "## 2. Incremental month", ""]
        lines += md_table(
            ["step", "rows", "seconds", "vs its own floor", "peak memory"], rows, right={1, 2, 3, 4}
        )
        lines += [
            "",
            f"`split_month.py` cut the extract at {inc['cut']} in {inc['split_seconds']:,.1f} s "
            "(history: every row dated by then as it was known then; month: the rest, as "
            "Parquet).",
            f"**The month is {row_share:.1%} of the history's rows and its load took "
            f"{time_share:.1%} of the history's load time**: in proportion to its rows it would "
            f"take about {row_share * h['seconds']:,.1f} s; it took {m['seconds']:,.1f} s "
            f"({m['elapsed']:,.1f} s inside the load, the rest starting Python and DuckDB).",
            f"Month load steps: {month_steps}. History load steps: {history_steps}.",
            f"Warehouse after the month: {m['warehouse_gib']:.2f} GiB.",
        ]
        if short:
            months = len(self.r["extract"]["month_ends"]) - 1
            short_steps = ", ".join(f"{k} {v:,.1f} s" for k, v in sm["steps"].items())
            lines += [
                f"**The same month onto {months} month ends of history instead of "
                f"{SHORT_MONTHS}** ({h['rows'] / sh['rows']:.1f}× the history's rows, its load "
                f"{h['seconds'] / sh['seconds']:.1f}× as long): the month's load took "
                f"{m['seconds'] / sm['seconds']:.2f}× as long ({m['seconds']:,.1f} s against "
                f"{sm['seconds']:,.1f} s). Onto the short history its steps: {short_steps}.",
            ]
        for c in inc["figures"]:
            same = (
                f"all {c['keys']} keys equal"
                if not c["differ"]
                else f"**{len(c['differ'])} of {c['keys']} keys differ**: {', '.join(c['differ'])}"
            )
            lines.append(
                f"- `daihou figures --as-of {inc['last']}`, {c['scope']}: incremental warehouse "
                f"against the full load: {same}."
            )
        return lines

    def _check_section(self) -> list[str]:
        c = self.r.get("check")
        if not c:
            return []
        outcome = "every figure equal" if c["ok"] else f"**not equal**: {', '.join(c['failed'])}"
        return [
            "",
            "### Figures against the loan-level computation",
            "",
            f"`DAIHOU_CHECK_WAREHOUSE=<the full load> pytest {FIGURES_TEST}`: {c['summary']} "
            f"({c['seconds']:,.0f} s); {outcome}. The load-time tables' answers (asset quality "
            "and its trend, by org and breaches; migration, transition matrices and flow-rate "
            "trend; vintage curves; compliance by org and by month; manager scores; the watch "
            "list) against each metric's own path from the fact tables, for the whole bank, a "
            "branch, a sub-branch, a product and an account manager drawn with a fixed seed, at "
            "three month ends drawn likewise (the last included).",
        ]

    def _metrics_section(self) -> list[str]:
        if "metrics" not in self.r:
            failed = self._failed("metrics")
            return ["", "## 3. Metric families", "", *failed] if failed else []
        result, seconds, peak = self.r["metrics"]
        return [
            "",
            "## 3. Metric families",
            "",
            f"{result['loans']:,} loans, {result['snapshots']:,} snapshot rows; the step took "
            f"{seconds:,.0f} s, peak memory {peak:.2f} GiB (pandas frames included).",
            "",
            *bench_metrics.markdown(result),
        ]

    def _pages_section(self) -> list[str]:
        if "pages" not in self.r:
            failed = self._failed("pages")
            return ["", "## 4. Page statements", "", *failed] if failed else []
        result, seconds, _ = self.r["pages"]
        target = PAGE_TARGET_S[self.scale]
        rows = []
        for entry in result["pages"]:
            label, worst = slowest(entry)
            rows.append(
                [entry["page"], entry["scope"], str(len(entry["statements"])), ms_text(worst),
                 ratio(worst, target), f"{sum(entry['statements'].values()) * 1000:,.0f}",
                 f"`{label}`"]
            )  # fmt: skip
        over = [row for row, e in zip(rows, result["pages"], strict=True) if slowest(e)[1] > target]
        return [
            "",
            "## 4. Page statements",
            "",
            "Every DuckDB statement each page issues, timed from execute to its last fetch, best "
            f"of {result['runs']} cold runs (caches cleared) of the real page in Streamlit's "
            f"AppTest, signed in as an admin (whole bank, sub-branch) or as the account manager "
            f"(their own loans). Target: every statement under {target} s at this scale "
            f"(issue 8: 0.3 s at medium, 1 s at large). Borrower file: customer "
            f"{result['customer']}; the manager's: {result['manager_customer']}. The step took "
            f"{seconds:,.0f} s.",
            "",
            *md_table(
                [
                    "page",
                    "scope",
                    "statements",
                    "slowest ms",
                    "slowest / target",
                    "total ms",
                    "slowest statement",
                ],
                rows,
                right={2, 3, 4, 5},
            ),
            "",
            f"{len(rows) - len(over)} of {len(rows)} page runs have every statement under "
            f"{target} s"
            + (f"; over: {', '.join(f'{o[0]} ({o[1]})' for o in over)}." if over else "."),
        ]

    def _browser_section(self) -> list[str]:
        if "browser" not in self.r:
            failed = self._failed("browser") or (
                [] if self.args.browser else ["Not run (`--no-browser`)."]
            )
            return ["", "## 5. Pages in a browser", "", *failed] if failed else []
        result, seconds, _ = self.r["browser"]
        return [
            "",
            "## 5. Pages in a browser",
            "",
            *bench_browser.markdown(result),
            "",
            "Each load starts the Streamlit frontend and a new session (the sign-in resumed "
            "from the cookie, the sidebar built) before the page runs: the data-quality page, "
            "five small statements, shows about what that costs. The step took "
            f"{seconds:,.0f} s (a server started per page).",
        ]

    def _targets_section(self) -> list[str]:
        r = self.r
        out = []
        if "load" in r and "floor" in r:
            x = r["load"]["seconds"] / r["floor"]["seconds"]
            out.append(
                f"- Load within {LOAD_RATIO_TARGET:.0f}× of its floor: {x:.2f}× — "
                + ("met." if x <= LOAD_RATIO_TARGET else "**not met**.")
            )
        if "incremental" in r:
            inc = r["incremental"]
            rows = inc["month"]["rows"] / inc["history"]["rows"]
            secs = inc["month"]["seconds"] / inc["history"]["seconds"]
            out.append(
                f"- Incremental month proportional to the month: {rows:.1%} of the rows, "
                f"{secs:.1%} of the time"
                + (
                    f"; onto {SHORT_MONTHS} month ends of history instead of "
                    f"{len(r['extract']['month_ends']) - 1}, "
                    f"{inc['short_month']['seconds'] / inc['month']['seconds']:.0%} of the time."
                    if "short_month" in inc
                    else "."
                )
            )
        if "check" in r:
            out.append(
                "- Figures equal to the loan-level computation (sampled scopes and dates): "
                + ("yes." if r["check"]["ok"] else "**no**.")
                + f" ({r['check']['summary']})"
            )
        if "metrics" in r:
            rows = r["metrics"][0]["rows"]
            floors = [x for x in rows if x["floor_s"]]
            within = sum(x["daihou_s"] <= METRIC_RATIO_TARGET * x["floor_s"] for x in floors)
            with_pandas = [x for x in rows if x["pandas_s"]]
            faster = sum(x["pandas_s"] >= PANDAS_RATIO_TARGET * x["daihou_s"] for x in with_pandas)
            same = sum(x["same"] for x in rows)
            out += [
                f"- Metric calls within {METRIC_RATIO_TARGET:.0f}× of their floors: {within} of "
                f"{len(floors)}.",
                f"- Metric calls at least {PANDAS_RATIO_TARGET:.0f}× faster than pandas: {faster} "
                f"of {len(with_pandas)}" + ("" if with_pandas else " (pandas not run)") + ".",
                f"- Answers equal to the floor's (and pandas'): {same} of {len(rows)}.",
            ]
        if "pages" in r:
            target = PAGE_TARGET_S[self.scale]
            pages = r["pages"][0]["pages"]
            worst = max(slowest(e)[1] for e in pages)
            under = sum(slowest(e)[1] <= target for e in pages)
            out.append(
                f"- Every page statement under {target} s: {under} of {len(pages)} page runs "
                f"(slowest statement {worst * 1000:,.0f} ms)."
            )
        return ["", "## Against issue 8's targets", "", *out] if out else []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", choices=["small", "medium", "large"], required=True)
    ap.add_argument("--work", type=Path, default=HERE / "work", help="work folder's parent")
    ap.add_argument("--keep", action="store_true", help="keep the extract, floors, warehouses")
    ap.add_argument("--extract", type=Path, default=None, help="reuse this extract")
    ap.add_argument(
        "--browser",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="time the pages in chromium (default: on for small and medium)",
    )
    ap.add_argument("--seed", type=int, default=20251231)
    ap.add_argument("--runs", type=int, default=None, help="metric runs (default 5; large 3)")
    ap.add_argument("--page-runs", type=int, default=3, help="cold runs of each page (AppTest)")
    ap.add_argument("--browser-runs", type=int, default=3, help="warm loads of each page")
    ap.add_argument("--pandas", choices=["auto", "yes", "no"], default="auto")
    ap.add_argument(
        "--check",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"run {FIGURES_TEST} on the full load (default: on for small and medium)",
    )
    args = ap.parse_args()
    if args.check is None:
        args.check = args.scale != "large"
    if args.browser is None:
        args.browser = args.scale != "large"
    if args.runs is None:
        args.runs = 3 if args.scale == "large" else 5
    if args.extract is not None and not (args.extract / "manifest.json").exists():
        ap.error(f"{args.extract} has no manifest.json (an extract of `daihou generate`)")
    sys.exit(0 if Suite(args).run() else 1)


if __name__ == "__main__":
    main()
