"""The dashboard keeps answering while a load runs, and a killed load changes nothing (issue 7).

Screenshot of the page after the load: tests/artifacts/after_load.png.

The warehouse starts with the demo bank up to November 2025 (its December snapshots held back);
the load under test delivers the whole extract, December included, so every figure the client
asks for ("the latest month end") changes. ``load_client.py`` runs the dashboard's data layer in
a process of its own, as a served dashboard does.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import playwright.sync_api as playwright_sync
import pytest
from fixtures_browser import CHROMIUM, full_screenshot, serve, settle, sign_in
from fixtures_demo import DemoBank
from playwright.sync_api import Page

from daihou.settings import InspectionRules, Settings
from etl.load import load_extract
from metrics import asset_quality, obligations
from metrics.periods import period_window
from metrics.portfolio import month_ends
from metrics.scope import Scope
from warehouse.connection import Warehouse

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CLIENT = Path(__file__).with_name("load_client.py")
KILLS = 20
SEED = 20251123


@dataclass(frozen=True)
class Setup:
    full: Path  # the whole demo extract
    warehouse: Path  # loaded with everything but December's snapshots


@pytest.fixture
def setup(demo_bank: DemoBank, tmp_path: Path) -> Setup:
    partial = tmp_path / "partial"
    partial.mkdir()
    for source in demo_bank.extract.iterdir():
        if source.is_file() and source.name != "loan_snapshots.csv":
            (partial / source.name).symlink_to(source)
    duckdb.execute(
        f"COPY (SELECT * FROM read_csv('{demo_bank.extract / 'loan_snapshots.csv'}', "
        "all_varchar = true) WHERE as_of_date <> '2025-12-31') "
        f"TO '{partial / 'loan_snapshots.csv'}' (HEADER)"
    )
    warehouse = tmp_path / "wh.duckdb"
    load_extract(partial, Settings(data_dir=tmp_path, warehouse=warehouse))
    return Setup(demo_bank.extract, warehouse)


def expected_answer(warehouse: Path) -> dict[str, object]:
    """What load_client answers for the warehouse's current state, computed here from the
    metrics directly (not through the dashboard's data layer)."""
    with Warehouse(warehouse).connect_read_only() as con:
        as_of = month_ends(con)[-1]
        quality = asset_quality.asset_quality_at(con, Scope("HO"), as_of, Settings().asset_quality)
        start, end = period_window(as_of, "year")
        owed = obligations.compliance(con, Scope("HO"), start, end, as_of, InspectionRules())
    return {
        "as_of": as_of.isoformat(),
        "loans": quality.loan_count,
        "balance": str(quality.total_balance),
        "due": owed.due,
        "on_time": owed.on_time,
    }


def load_command(extract: Path, warehouse: Path) -> list[str]:
    return [sys.executable, "-m", "daihou.cli", "load", str(extract), "--warehouse",
            str(warehouse), "--json"]  # fmt: skip


def test_queries_during_a_load_answer_before_or_after(setup: Setup, tmp_path: Path) -> None:
    before = expected_answer(setup.warehouse)
    assert before["as_of"] == "2025-11-30"
    out, stop = tmp_path / "answers.jsonl", tmp_path / "stop"
    client = subprocess.Popen(
        [sys.executable, str(CLIENT), str(setup.warehouse), str(out), str(stop)],
        cwd=REPO, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_lines(out, 3)
        loaded = subprocess.run(
            load_command(setup.full, setup.warehouse), cwd=REPO, capture_output=True, timeout=300
        )
        assert loaded.returncode == 0, loaded.stderr.decode()
        after = expected_answer(setup.warehouse)
        seen = len(_lines(out))
        _wait_for_lines(out, seen + 3)
    finally:
        stop.touch()
        client.wait(timeout=60)
    answers = _lines(out)
    assert after["as_of"] == "2025-12-31" and after != before
    assert not [a for a in answers if "error" in a]  # no query failed
    assert all(a in (before, after) for a in answers)  # never a mix
    assert answers[0] == before and answers[-1] == after
    switches = sum(1 for a, b in itertools.pairwise(answers) if a != b)
    assert switches == 1  # once the new generation is seen, the old never comes back


def test_a_load_killed_anywhere_leaves_the_warehouse_as_it_was(
    setup: Setup, tmp_path: Path
) -> None:
    """Kill points: after the k-th step the load logs (reading each file, validating and
    merging each entity, deriving, each aggregate, recording, publishing) plus up to half a
    second, k and the delay drawn with a fixed seed: inside the load whatever the machine's
    speed."""
    command = load_command(setup.full, setup.warehouse)[:-1]  # logs its steps without --json
    steps = _logged_steps(command)
    rng = random.Random(SEED)
    points = [(rng.randrange(len(steps)), rng.uniform(0, 0.5)) for _ in range(KILLS)]
    unchanged = 0
    for k, delay in points:
        previous, runs = fingerprint(setup.warehouse), load_runs(setup.warehouse)
        proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        for _ in range(k + 1):
            proc.stderr.readline()
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        where = f"killed {delay:.2f} s after {steps[k]!r}"
        if fingerprint(setup.warehouse) == previous:
            unchanged += 1
        else:  # killed after its commit point (the link's rename): complete, not a mix
            assert load_runs(setup.warehouse) == runs + 1, where
        fresh = subprocess.run(command, cwd=REPO, capture_output=True, timeout=300)
        assert fresh.returncode == 0, (where, fresh.stderr.decode())
        assert load_runs(setup.warehouse) == load_runs(setup.warehouse, previous=True) + 1
    assert unchanged >= KILLS - 3  # nearly every kill landed before the commit
    generations = Warehouse(setup.warehouse).generations
    leftovers = sorted(p.name for p in generations.glob("gen-*"))
    assert len(leftovers) <= 2, leftovers  # the current and the previous generation only
    assert not list(setup.warehouse.parent.glob(f".{setup.warehouse.name}.link-*"))


def _logged_steps(command: list[str]) -> list[str]:
    """The steps a whole load logs before it publishes (run once, to completion)."""
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line.split(" ", 1)[1] for line in done.stderr.splitlines() if line[:2].isdigit()]
    assert lines[-1] == "done"
    return lines[:-1]


def load_runs(warehouse: Path, previous: bool = False) -> int:
    """Loads recorded in the current generation (or the one before it)."""
    gens = sorted(Warehouse(warehouse).generations.glob("gen-*.duckdb"))
    current = Warehouse(warehouse).current_file()
    target = gens[gens.index(current) - 1] if previous else current
    with duckdb.connect(str(target), read_only=True) as con:
        return con.execute("SELECT count(*) FROM meta_load_run").fetchone()[0]


def fingerprint(warehouse: Path) -> tuple[str, str]:
    """The generation the link names and the SHA-256 of its bytes."""
    current = Warehouse(warehouse).current_file()
    assert current is not None
    return current.name, hashlib.sha256(current.read_bytes()).hexdigest()


def _lines(path: Path) -> list[dict[str, object]]:
    text = path.read_text() if path.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.endswith("}")]


def _wait_for_lines(path: Path, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(_lines(path)) < count:
        assert time.monotonic() < deadline, f"the client answered {len(_lines(path))} times"
        time.sleep(0.2)


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium")
def test_the_dashboard_stays_usable_during_a_load(setup: Setup, tmp_path: Path, page: Page) -> None:
    expect = playwright_sync.expect
    main = page.locator('[data-testid="stMain"]')
    with serve(setup.warehouse, tmp_path / "streamlit.log") as url:
        sign_in(page, url)
        expect(page).to_have_url(re.compile(r"as_of=2025-11-30"))  # the data date shown
        loading = subprocess.Popen(load_command(setup.full, setup.warehouse), cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        reloads = 0
        while loading.poll() is None:
            page.goto(url)
            expect(main.locator('[data-testid="stMetricValue"]').first).to_be_visible()
            expect(main.locator('[data-testid="stException"]')).to_have_count(0)
            reloads += 1
        assert loading.returncode == 0, loading.stderr.read().decode()
        assert reloads >= 1
        page.goto(url)  # the next page run shows the new month, no restart
        expect(page).to_have_url(re.compile(r"as_of=2025-12-31"))
        expect(main.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
        settle(page)
        full_screenshot(page, "after_load.png")
