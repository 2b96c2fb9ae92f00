"""Time every query the dashboard's pages make, by running the real pages (Streamlit AppTest)
over a warehouse with every cache cleared, and timing each DuckDB statement from execute to
its last fetch.

    python benchmarks/bench_pages.py --warehouse W.duckdb [--label medium] [--runs 3]

Pages: overview, asset quality, inspections, watch list, borrower file (the customer with the
most obligations in the sub-branch), HR (the latest quarter) and data quality; each for the
whole bank and for the sub-branch with most loans. A query's time is the best of ``--runs``
cold runs of the page. Each statement is named by the metrics function that issued it. Writes
a markdown table (the slowest statement per page and scope) to
benchmarks/results/pages-<label>.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import streamlit as st
from streamlit.testing.v1 import AppTest

from daihou.access import User
from daihou.accounts import Accounts
from dashboard.data import core
from warehouse.connection import Warehouse

HERE = Path(__file__).parent
APP = str(HERE.parent / "dashboard" / "app.py")
PAGES = {
    "overview": "views/overview.py",
    "asset_quality": "views/asset_quality.py",
    "inspection": "views/inspection.py",
    "watchlist": "views/watchlist.py",
    "borrower": "views/borrower.py",
    "hr": "views/hr.py",
    "data_quality": "views/data_quality.py",
}
FETCHES = ("df", "fetchall", "fetchone", "fetchdf", "fetchnumpy", "arrow", "pl")


class TimedCursor:
    """A DuckDB cursor that records each statement's time from execute to its last fetch."""

    log: ClassVar[list[tuple[str, float]]] = []

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor
        self._sql = ""
        self._started = 0.0

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> TimedCursor:
        self._sql, self._started = _caller(), time.perf_counter()
        self._cursor.execute(sql, *args, **kwargs)
        return self

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._cursor, name)
        if name not in FETCHES:
            return attr

        def fetch(*args: Any, **kwargs: Any) -> Any:
            out = attr(*args, **kwargs)
            TimedCursor.log.append((self._sql, time.perf_counter() - self._started))
            return out

        return fetch

    def __enter__(self) -> TimedCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor.close()


class TimedConnection:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def cursor(self) -> TimedCursor:
        return TimedCursor(self._con.cursor())


def _caller() -> str:
    """The metrics (or other non-dashboard) function that issued the statement."""
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith(("metrics.", "warehouse.")):
            return f"{module}.{frame.f_code.co_name}"
        frame = frame.f_back
    return "dashboard"


def run_page(page: str, query: dict[str, str], user: User) -> list[tuple[str, float]]:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=600)
    at.query_params.update(query)
    at.session_state["user"] = user  # as a sign-in leaves it
    at.run()  # the default page first: its statements are the overview's, not this page's
    st.cache_data.clear()
    TimedCursor.log = []
    at.switch_page(PAGES[page]).run()
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return list(TimedCursor.log)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--label", default="medium")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.environ["DAIHOU_WAREHOUSE"] = str(args.warehouse)

    con = Warehouse(args.warehouse).connect_read_only()
    root = con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchone()[0]
    # an admin account in a throw-away accounts store: the pages run signed in
    accounts = Path(tempfile.mkdtemp()) / "accounts.db"
    os.environ["DAIHOU_ACCOUNTS"] = str(accounts)
    Accounts(accounts).add("bench", secrets.token_urlsafe(16), "admin", root, "基准测试")
    user = User("基准测试", "admin", root, "bench")
    sub = con.execute(
        "SELECT l.org_id FROM dim_loan l JOIN dim_org o USING (org_id) "
        "WHERE o.level = 'sub_branch' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    customer = con.execute(
        "SELECT o.customer_id FROM fct_obligation o JOIN dim_loan l ON l.loan_id = o.basis_loan_id "
        "WHERE l.org_id = $sub GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        {"sub": sub},
    ).fetchone()[0]
    loans = con.execute("SELECT count(*) FROM dim_loan").fetchone()[0]
    con.close()

    real_connection = core._connection
    core._connection = lambda gen: TimedConnection(real_connection(gen))  # type: ignore[assignment]

    best: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for page in PAGES:
        for scope, org in (("whole bank", root), ("sub-branch " + sub, sub)):
            query = {"org": org}
            if page == "borrower":
                query["customer"] = customer
            for _ in range(args.runs):
                seen: dict[str, int] = defaultdict(int)
                for label, seconds in run_page(page, query, user):
                    seen[label] += 1  # the n-th statement of a function in this run
                    key = label if seen[label] == 1 else f"{label} #{seen[label]}"
                    times = best[page, scope]
                    times[key] = min(times.get(key, seconds), seconds)
            print(page, scope, f"{max(best[page, scope].values()) * 1000:.0f} ms max")

    lines = [
        f"# Page queries, {args.label} ({loans:,} loans)",
        "",
        f"Every DuckDB statement the pages issue, timed from execute to its last fetch, best of "
        f"{args.runs} cold runs (caches cleared) of the real page in Streamlit's AppTest; "
        f"{os.cpu_count()} cores, {platform.machine()}. Borrower file: customer {customer}.",
        "",
        "| page | scope | queries | slowest ms | total ms | slowest query |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for (page, scope), times in best.items():
        label, slowest = max(times.items(), key=lambda kv: kv[1])
        lines.append(
            f"| {page} | {scope} | {len(times)} | {slowest * 1000:,.0f} | "
            f"{sum(times.values()) * 1000:,.0f} | `{label}` |"
        )
    out = HERE / "results" / f"pages-{args.label}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
