"""Time the dashboard's pages in a real browser: from navigation to the first chart drawn.

    python benchmarks/bench_browser.py --warehouse W.duckdb [--runs 3] [--json OUT]

Serves the warehouse as a user would get it (``python -m streamlit run dashboard/app.py``,
headless, on a free port, the demo accounts in a throw-away accounts store) and drives Debian
chromium through Playwright (``--headless --no-sandbox --disable-gpu
--disable-background-networking``), signed in as the admin (whole bank). For each page:

- cold: a freshly started server that has served only the admin page (accounts and audit log,
  so the app's modules are imported and the sidebar's org list and month ends cached), so the
  page's own results are not cached yet: one navigation;
- warm: then ``--runs`` navigations to the same page (its results cached), the median.

Each time is the page's own clock (``performance.now()``, from the navigation's start) when the
first Plotly chart's SVG is in the DOM; for a page without charts (data quality), its first
table. Each navigation is a full page load (a link or a reload: a new Streamlit session, the
sign-in resumed from the session cookie), and the next one waits until the page's run is over.
Writes benchmarks/results/browser-<label>.md, or with ``--json OUT`` the rows for suite.py.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from harness import REPO, RESULTS, largest_sub_branch, ms, table
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright

from daihou.accounts import Accounts
from daihou.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts
from warehouse.connection import Warehouse

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHART = '[data-testid="stPlotlyChart"] svg.main-svg'
TABLE = '[data-testid="stDataFrame"]'
# page -> (url path, what counts as drawn)
PAGES: dict[str, tuple[str, str]] = {
    "overview": ("", CHART),
    "asset_quality": ("asset_quality", CHART),
    "inspection": ("inspection", CHART),
    "watchlist": ("watchlist", CHART),
    "borrower": ("borrower", CHART),
    "hr": ("hr", CHART),
    "data_quality": ("data_quality", TABLE),
}
WARM_UP = "admin"  # the page a fresh server serves first: no portfolio data
FIRST_DRAWN = "sel => document.querySelector(sel) ? performance.now() : false"
RUN_OVER = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
ERROR = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(warehouse: Path, accounts: Path, log: Path) -> Iterator[str]:
    """Streamlit serving the dashboard over ``warehouse``; stopped (this process only) on exit."""
    port = _free_port()
    with log.open("a") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
                "--server.headless", "true",
                "--server.port", str(port),
                "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=REPO,
            env={
                **os.environ,
                "DAIHOU_WAREHOUSE": str(warehouse),
                "DAIHOU_ACCOUNTS": str(accounts),
                "DAIHOU_AUTH__SHOW_DEMO_LOGINS": "false",
            },
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_healthy(port, proc)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


def sign_in(tab: Page, url: str, username: str = "admin") -> None:
    """Sign the tab in as the demo account; the session cookie then carries it to every page
    and every server on this host (the session lives in the accounts store)."""
    password = {d.username: d.password for d in DEMO_ACCOUNTS}[username]
    tab.goto(url)
    tab.get_by_label("用户名").fill(username)
    tab.get_by_label("密码", exact=True).fill(password)
    tab.get_by_role("button", name="登录").click()
    tab.get_by_role("button", name="退出登录").wait_for()


def first_drawn(tab: Page, url: str, selector: str, timeout_ms: float) -> float:
    """Seconds from the navigation's start to ``selector`` being in the DOM; then waits until
    the page's run is over, so that the next navigation starts on an idle server."""
    tab.goto(url, wait_until="commit")
    handle = tab.wait_for_function(FIRST_DRAWN, arg=selector, polling=25, timeout=timeout_ms)
    seconds = handle.json_value() / 1000
    tab.wait_for_timeout(300)  # the status widget shows only once a run has lasted a moment
    tab.wait_for_function(RUN_OVER, polling=100, timeout=timeout_ms)
    return seconds


def measure(warehouse: Path, runs: int, timeout_s: float = 120) -> dict:
    """Cold and warm times of every page (a JSON-able dict)."""
    with Warehouse(warehouse).connect_read_only() as con:
        sub = largest_sub_branch(con)
        customer = con.execute(
            "SELECT o.customer_id FROM fct_obligation o "
            "JOIN dim_loan l ON l.loan_id = o.basis_loan_id WHERE l.org_id = $sub "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            {"sub": sub},
        ).fetchone()[0]
        folder = Path(tempfile.mkdtemp(prefix="bench-browser-"))
        accounts = folder / "accounts.db"
        create_demo_accounts(Accounts(accounts), con)
    log = folder / "streamlit.log"
    timeout_ms = timeout_s * 1000
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1440, "height": 1800}, locale="zh-CN")
            tab.set_default_timeout(timeout_ms)
            with serve(warehouse, accounts, log) as url:
                sign_in(tab, f"{url}/{WARM_UP}")
            for page, (path, selector) in PAGES.items():
                query = f"?customer={customer}" if page == "borrower" else ""
                row: dict = {"page": page, "drawn": "chart" if selector == CHART else "table"}
                try:
                    with serve(warehouse, accounts, log) as url:
                        tab.goto(f"{url}/{WARM_UP}")
                        tab.get_by_role("button", name="退出登录").wait_for()
                        target = f"{url}/{path}{query}"
                        row["cold_s"] = first_drawn(tab, target, selector, timeout_ms)
                        warm = [first_drawn(tab, target, selector, timeout_ms) for _ in range(runs)]
                        row["warm_s"] = warm
                        row["median_s"] = statistics.median(warm)
                        row["error_shown"] = tab.locator(ERROR).count() > 0
                except PlaywrightError as exc:
                    row["error"] = str(exc).splitlines()[0][:200]
                rows.append(row)
                print(
                    f"{page:14} cold {ms(row.get('cold_s')):>7} ms  warm median "
                    f"{ms(row.get('median_s')):>7} ms  {row.get('error', '')}",
                    flush=True,
                )
        finally:
            browser.close()
            shutil.rmtree(folder, ignore_errors=True)
    return {"runs": runs, "customer": customer, "pages": rows}


def markdown(result: dict) -> list[str]:
    lines = [
        "Time from the navigation's start (a full page load: a link or a reload) to the first "
        "Plotly chart's SVG in the DOM (data quality: its first table), by the page's own clock "
        "(`performance.now()`), in Debian chromium (Playwright, headless) signed in as the admin "
        "(whole bank). Cold: the first load on a freshly started server that had served only the "
        "admin page (the page's results not cached yet); warm: the median of "
        f"{result['runs']} loads after it. Borrower file: customer {result['customer']}. The "
        "browser draws on the same cores as the server (and the rest of the machine), with "
        "software rendering: a user's own computer draws in parallel with the server.",
        "",
    ]
    rows = []
    for r in result["pages"]:
        warm = ", ".join(ms(x) for x in r.get("warm_s", []))
        note = r.get("error") or ("an error is shown on the page" if r.get("error_shown") else "")
        rows.append([r["page"], r["drawn"], ms(r.get("cold_s")), ms(r.get("median_s")), warm, note])
    header = ["page", "first drawn", "cold ms", "warm ms (median)", "warm runs ms", "note"]
    return lines + table(header, rows, right={2, 3})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--label", default="medium")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120, help="seconds to wait for a page")
    ap.add_argument("--json", type=Path, default=None, help="write the rows as JSON here instead")
    args = ap.parse_args()
    result = measure(args.warehouse.resolve(), args.runs, args.timeout)
    if args.json:
        args.json.write_text(json.dumps(result), encoding="utf-8")
        return
    out = RESULTS / f"browser-{args.label}.md"
    out.write_text(
        "\n".join([f"# Pages in a browser, {args.label}", "", *markdown(result)]) + "\n",
        encoding="utf-8",
    )
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
