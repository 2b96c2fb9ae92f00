"""Time the account-manager scores (METRICS.md §7) for the whole bank and one period.

    python benchmarks/bench_scores.py --warehouse W.duckdb [--period 2025Q4] [--label medium]
        [--runs 3]

On the same warehouse (opened read-only): ``metrics.scores.manager_scores`` and ``org_scores``
for the root org, each component's grouped query alone (timeliness and report quality are the
§5 functions they call), and a floor: a bare scan of the period's rows of the inputs the
components read into temporary tables. Each time is the best of ``--runs``. Writes
benchmarks/results/scores-<label>.md. The target is under 2 s for manager_scores at medium.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from timing import best  # beside this script (run as python benchmarks/<script>.py)

from daihou.settings import Settings
from metrics import obligations as ob
from metrics import scores
from metrics.periods import Period, parse_period
from metrics.scope import Scope
from warehouse.connection import Warehouse

HERE = Path(__file__).parent

# The rows of the period the components read, copied as they are (no joins, no grouping).
FLOOR = (
    "CREATE OR REPLACE TEMP TABLE f1 AS SELECT as_of_date, loan_id, org_id, manager_id, "
    "classification, balance, days_past_due FROM agg_loan_month "
    "WHERE as_of_date >= $start AND as_of_date <= $end",
    "CREATE OR REPLACE TEMP TABLE f2 AS SELECT as_of_date, loan_id, manager_id "
    "FROM fct_loan_snapshot WHERE as_of_date > $start AND as_of_date <= $end",
    "CREATE OR REPLACE TEMP TABLE f3 AS SELECT * FROM agg_obligation_month",
    "CREATE OR REPLACE TEMP TABLE f4 AS SELECT * FROM agg_inspection_month "
    "WHERE month > $start AND month <= $end",
    "CREATE OR REPLACE TEMP TABLE f5 AS SELECT * FROM fct_warning_signal "
    "WHERE signal_date > $start AND signal_date <= $end",
    "CREATE OR REPLACE TEMP TABLE f6 AS SELECT * FROM fct_collection_action "
    "WHERE action_date > $start AND action_date <= $end",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--period", default="2025Q4")
    ap.add_argument("--label", default="medium")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    con = Warehouse(args.warehouse).connect_read_only()
    settings = Settings()
    period: Period = parse_period(args.period)
    root = con.execute("SELECT org_id FROM dim_org WHERE parent_org_id IS NULL").fetchone()[0]
    scope = Scope(root)
    loans = con.execute("SELECT count(*) FROM dim_loan").fetchone()[0]
    dates = {"start": period.start, "end": period.end}
    rules = settings.inspection

    def floor() -> None:
        for sql in FLOOR:
            con.execute(sql, {k: v for k, v in dates.items() if f"${k}" in sql})

    def component(name: str) -> Callable[[], object]:
        if name == "timeliness":
            return lambda: ob.compliance_by_manager(
                con, scope, period.start, period.end, period.end, rules
            )
        if name == "report_quality":
            return lambda: ob.report_quality_by_manager(con, scope, period.start, period.end, rules)
        sql = scores.component_sql(name, "manager")
        params = scores.component_params(name, scope, period, settings.scores)
        return lambda: con.execute(sql, params).df()

    t_floor = best(args.runs, floor)
    t_components = {c: best(args.runs, component(c)) for c in scores.COMPONENTS}
    frame = scores.manager_scores(con, scope, period, settings)
    t_managers = best(args.runs, lambda: scores.manager_scores(con, scope, period, settings))
    orgs = scores.org_scores(con, scope, period, settings)
    t_orgs = best(args.runs, lambda: scores.org_scores(con, scope, period, settings))

    def row(what: str, seconds: float) -> str:
        return f"| {what} | {seconds:.3f} | {seconds / t_floor:.1f}× |"

    lines = [
        f"# Account-manager scores, {args.label}",
        "",
        f"{loans:,} loans; period {period.label} ({period.start} exclusive to {period.end}); "
        f"whole bank ({root}): {len(frame):,} managers ({int(frame.rated.sum()):,} rated), "
        f"{len(orgs)} branches. Best of {args.runs} runs; {os.cpu_count()} cores. "
        "Target: manager_scores under 2 s.",
        "",
        "| step | seconds | ratio to floor |",
        "| --- | ---: | ---: |",
        row("floor: bare scan of the period's input rows into tables", t_floor),
        *(row(f"component query: {c}", t_components[c]) for c in scores.COMPONENTS),
        row("**manager_scores** (every manager: queries + scoring)", t_managers),
        row("org_scores (every branch, over its subtree)", t_orgs),
    ]
    out = HERE / "results" / f"scores-{args.label}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
