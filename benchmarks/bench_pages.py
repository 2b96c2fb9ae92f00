"""Time every query the dashboard's pages make, by running the real pages (Streamlit AppTest)
over a warehouse with every cache cleared, and timing each DuckDB statement from execute to
its last fetch.

    python benchmarks/bench_pages.py --warehouse W.duckdb [--label medium] [--runs 3]
        [--no-manager] [--json OUT]

Pages: overview, asset quality, inspections, watch list, borrower file (the customer with the
most obligations in the sub-branch), HR (the latest quarter) and data quality; each for the
whole bank and for the sub-branch with most loans, signed in as an admin; then the pages an
account manager may open (overview, asset quality, inspections, watch list, borrower file: their
customer with the most obligations), signed in as the manager with the largest book (the data
layer narrows every scope to their own loans). A query's time is the best of ``--runs`` cold
runs of the page. Each statement is named by the metrics function that issued it. Writes a
markdown table (the slowest statement per page and scope) to
benchmarks/results/pages-<label>.md, or with ``--json OUT`` the rows as JSON for suite.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import streamlit as st
from harness import busiest_customer, large_manager, largest_sub_branch, root_org, slowest
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
MANAGER_PAGES = ("overview", "asset_quality", "inspection", "watchlist", "borrower")
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


def run_page(
    page: str, query: dict[str, str], user: User, state: dict[str, str] | None = None
) -> list[tuple[str, float]]:
    """The statements ``page`` issues for ``user``, with widget ``state`` (key -> value) set
    first."""
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=600)
    at.query_params.update(query)
    at.session_state["user"] = user  # as a sign-in leaves it
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()  # the default page first: its statements are the overview's, not this page's
    st.cache_data.clear()
    TimedCursor.log = []
    at.switch_page(PAGES[page]).run()
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return list(TimedCursor.log)


def measure(
    warehouse: Path, runs: int, manager: bool = True, pages: list[str] | None = None
) -> dict:
    """Every page (or those of ``pages``) for every scope, the best of ``runs`` cold runs of
    each statement: a JSON-able dict with the context and, per page and scope, each
    statement's best time."""
    os.environ["DAIHOU_WAREHOUSE"] = str(warehouse)
    con = Warehouse(warehouse).connect_read_only()
    root, sub = root_org(con), largest_sub_branch(con)
    customer = con.execute(
        "SELECT o.customer_id FROM fct_obligation o JOIN dim_loan l ON l.loan_id = o.basis_loan_id "
        "WHERE l.org_id = $sub GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        {"sub": sub},
    ).fetchone()[0]
    staff_id, staff_org, book = large_manager(con)
    own_customer = busiest_customer(con, staff_id)
    loans = con.execute("SELECT count(*) FROM dim_loan").fetchone()[0]
    con.close()

    # an admin and the manager in a throw-away accounts store: the pages run signed in
    accounts_path = Path(tempfile.mkdtemp()) / "accounts.db"
    os.environ["DAIHOU_ACCOUNTS"] = str(accounts_path)
    store = Accounts(accounts_path)
    store.add("bench", secrets.token_urlsafe(16), "admin", root, "基准测试")
    admin = User("基准测试", "admin", root, "bench")
    store.add("bench-manager", secrets.token_urlsafe(16), "account_manager", staff_org,
              "基准客户经理", staff_id=staff_id)  # fmt: skip
    account_manager = User("基准客户经理", "account_manager", staff_org, "bench-manager", staff_id)

    real_connection = core._connection
    core._connection = lambda gen: TimedConnection(real_connection(gen))  # type: ignore[assignment]

    manager_scope = f"account manager {staff_id} ({book:,} loans)"
    plan: list[tuple[str, str, dict[str, str], User]] = [
        (page, scope, {"org": org}, admin)
        for page in PAGES
        for scope, org in (("whole bank", root), (f"sub-branch {sub}", sub))
    ]
    if manager:
        plan += [
            (page, manager_scope, {"org": staff_org}, account_manager) for page in MANAGER_PAGES
        ]
    plan = [step for step in plan if pages is None or step[0] in pages]
    best: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    try:
        for page, scope, query, user in plan:
            if page == "borrower":
                query = {**query, "customer": own_customer if user is account_manager else customer}
            for _ in range(runs):
                seen: dict[str, int] = defaultdict(int)
                for label, seconds in run_page(page, query, user):
                    seen[label] += 1  # the n-th statement of a function in this run
                    key = label if seen[label] == 1 else f"{label} #{seen[label]}"
                    times = best[page, scope]
                    times[key] = min(times.get(key, seconds), seconds)
            print(page, scope, f"{max(best[page, scope].values()) * 1000:.0f} ms max", flush=True)
    finally:
        core._connection = real_connection  # type: ignore[assignment]
        shutil.rmtree(accounts_path.parent, ignore_errors=True)
    return {
        "loans": loans,
        "runs": runs,
        "customer": customer,
        "manager_customer": own_customer,
        "pages": [
            {"page": page, "scope": scope, "statements": times}
            for (page, scope), times in best.items()
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--label", default="medium")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-manager", action="store_true", help="admin scopes only")
    ap.add_argument("--pages", nargs="+", choices=list(PAGES), help="these pages only")
    ap.add_argument("--json", type=Path, default=None, help="write the rows as JSON here instead")
    args = ap.parse_args()
    result = measure(args.warehouse, args.runs, not args.no_manager, args.pages)
    if args.json:
        args.json.write_text(json.dumps(result), encoding="utf-8")
        return

    lines = [
        f"# Page queries, {args.label} ({result['loans']:,} loans)",
        "",
        f"Every DuckDB statement the pages issue, timed from execute to its last fetch, best of "
        f"{args.runs} cold runs (caches cleared) of the real page in Streamlit's AppTest; "
        f"{os.cpu_count()} cores, {platform.machine()}. Borrower file: customer "
        f"{result['customer']} (the manager: {result['manager_customer']}).",
        "",
        "| page | scope | queries | slowest ms | total ms | slowest query |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for entry in result["pages"]:
        label, seconds = slowest(entry)
        lines.append(
            f"| {entry['page']} | {entry['scope']} | {len(entry['statements'])} | "
            f"{seconds * 1000:,.0f} | {sum(entry['statements'].values()) * 1000:,.0f} | "
            f"`{label}` |"
        )
    lines += ["", "The five slowest statements of each page and scope (ms):", ""]
    for entry in result["pages"]:
        top = sorted(entry["statements"].items(), key=lambda kv: kv[1], reverse=True)[:5]
        listed = ", ".join(f"`{label}` {seconds * 1000:,.0f}" for label, seconds in top)
        lines.append(f"- {entry['page']}, {entry['scope']}: {listed}")
    out = HERE / "results" / f"pages-{args.label}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
