"""Time every query the pages make for an account manager (role account_manager: the data layer
narrows every scope to their own loans, ``Scope.manager_id``), as bench_pages.py does for an
admin.

    python benchmarks/bench_manager_pages.py --warehouse W.duckdb [--label medium] [--runs 3]

The manager is the one with the most loans on the book at the latest month end (a large book);
the pages run for their own org (where their account puts them), for the asset-quality page
once more with a product filter (the manager's largest product), and the borrower file for the
manager's customer with the most obligations. Writes benchmarks/results/pages-manager-<label>.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import tempfile
from collections import defaultdict
from pathlib import Path

from bench_pages import HERE, TimedConnection, run_page
from harness import busiest_customer, large_manager

from daihou.access import User
from daihou.accounts import Accounts
from dashboard.data import core
from warehouse.connection import Warehouse

MANAGER_PAGES = ("overview", "asset_quality", "inspection", "watchlist", "borrower")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--label", default="medium")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.environ["DAIHOU_WAREHOUSE"] = str(args.warehouse)

    con = Warehouse(args.warehouse).connect_read_only()
    latest = con.execute("SELECT max(as_of_date) FROM fct_loan_snapshot").fetchone()[0]
    manager, org, book = large_manager(con)
    product = con.execute(
        "SELECT l.product FROM fct_loan_snapshot AS s JOIN dim_loan AS l USING (loan_id) "
        "WHERE s.as_of_date = $latest AND s.manager_id = $manager GROUP BY 1 "
        "ORDER BY count(*) DESC, 1 LIMIT 1",
        {"latest": latest, "manager": manager},
    ).fetchone()[0]
    customer = busiest_customer(con, manager)
    loans = con.execute("SELECT count(*) FROM dim_loan").fetchone()[0]
    con.close()

    accounts = Path(tempfile.mkdtemp()) / "accounts.db"
    os.environ["DAIHOU_ACCOUNTS"] = str(accounts)
    Accounts(accounts).add(
        "bench", secrets.token_urlsafe(16), "account_manager", org, "基准测试", staff_id=manager
    )
    user = User("基准测试", "account_manager", org, "bench", manager)

    real_connection = core._connection
    core._connection = lambda gen: TimedConnection(real_connection(gen))  # type: ignore[assignment]

    runs: list[tuple[str, str, dict[str, str]]] = [
        (p, "own book", {"org": org}) for p in MANAGER_PAGES
    ]
    runs.insert(2, ("asset_quality", f"own book, product {product}", {"org": org}))
    best: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for page, label, query in runs:
        if page == "borrower":
            query = {**query, "customer": customer}
        for _ in range(args.runs):
            state = {f"aq_product_{lang}": product for lang in ("zh-CN", "en")}
            seen: dict[str, int] = defaultdict(int)
            log = run_page(page, query, user, state if "product" in label else {})
            for name, seconds in log:
                seen[name] += 1
                key = name if seen[name] == 1 else f"{name} #{seen[name]}"
                times = best[page, label]
                times[key] = min(times.get(key, seconds), seconds)
        print(page, label, f"{max(best[page, label].values()) * 1000:.0f} ms max", flush=True)

    lines = [
        f"# Page queries of an account manager, {args.label} ({loans:,} loans)",
        "",
        f"Manager {manager} of org {org}: {book:,} loans on the book at {latest} (the largest "
        f"book). Every DuckDB statement the pages issue for them, timed from execute to its last "
        f"fetch, best of {args.runs} cold runs (caches cleared) of the real page in Streamlit's "
        f"AppTest; {os.cpu_count()} cores, {platform.machine()}. Borrower file: customer "
        f"{customer}.",
        "",
        "| page | scope | queries | slowest ms | total ms | slowest query |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for (page, label), times in best.items():
        name, slowest = max(times.items(), key=lambda kv: kv[1])
        lines.append(
            f"| {page} | {label} | {len(times)} | {slowest * 1000:,.0f} | "
            f"{sum(times.values()) * 1000:,.0f} | `{name}` |"
        )
    lines += ["", "Every statement over 100 ms:", ""]
    for (page, label), times in best.items():
        for name, seconds in sorted(times.items(), key=lambda kv: -kv[1]):
            if seconds > 0.1:
                lines.append(f"- {page} ({label}): `{name}` {seconds * 1000:,.0f} ms")
    out = HERE / "results" / f"pages-manager-{args.label}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
