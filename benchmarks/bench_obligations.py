"""Time the obligation engine (METRICS.md §5) against a bare scan of its inputs.

    python benchmarks/bench_obligations.py --warehouse W.duckdb [--label medium] [--runs 3]

In one run on the same warehouse (opened read-only; results go to temporary tables):
- floor: a bare DuckDB scan of the columns the derivation reads from the inspections and the
  loan snapshots (its two big inputs) into temporary tables;
- derive + match: DERIVE_OBLIGATIONS into a temporary table (every obligation with its
  satisfying inspection and responsibility), as the load builds fct_obligation;
- monthly aggregates: agg_obligation_month, agg_inspection_month and agg_obligation_backlog
  from those rows;
- the load step as a whole is reported by benchmarks/suite.py (its step times).
Each time is the best of ``--runs``. Writes benchmarks/results/obligations-<label>.md.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from timing import best  # beside this script (run as python benchmarks/<script>.py)

from daihou.settings import Settings
from warehouse.aggregates import obligations
from warehouse.connection import Warehouse

HERE = Path(__file__).parent

# the columns the derivation reads from its two big inputs, copied as they are
FLOOR = (
    "CREATE OR REPLACE TEMP TABLE scan_inspection AS SELECT inspection_id, loan_id, customer_id, "
    "staff_id, inspection_date, inspection_type, method FROM fct_inspection",
    "CREATE OR REPLACE TEMP TABLE scan_snapshot AS SELECT loan_id, as_of_date, manager_id, "
    "status, balance, days_past_due FROM fct_loan_snapshot",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--label", default="medium")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    con = Warehouse(args.warehouse).connect_read_only()
    params = obligations.rule_params(Settings().inspection)
    counts = {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("dim_loan", "fct_loan_snapshot", "fct_inspection")
    }

    def floor() -> None:
        for sql in FLOOR:
            con.execute(sql)

    def derive() -> None:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE fct_obligation AS {obligations.DERIVE_OBLIGATIONS}",
            params,
        )

    def aggregate() -> None:
        temp = "CREATE OR REPLACE TEMP TABLE"
        obligations.count_all(
            con, obligations.AGGREGATES_DDL.replace("CREATE OR REPLACE TABLE", temp)
        )

    t_floor = best(args.runs, floor)
    t_derive = best(args.runs, derive)
    owed = con.execute("SELECT count(*) FROM temp.fct_obligation").fetchone()[0]
    t_aggregate = best(args.runs, aggregate)
    lines = [
        f"# Obligation engine, {args.label}",
        "",
        f"{counts['dim_loan']:,} loans, {counts['fct_loan_snapshot']:,} snapshot rows, "
        f"{counts['fct_inspection']:,} inspections → {owed:,} obligations. Best of {args.runs} "
        f"runs; {os.cpu_count()} cores.",
        "",
        "| step | seconds | ratio to floor |",
        "| --- | ---: | ---: |",
        f"| floor: bare scan of inspections and snapshots into tables | {t_floor:.2f} | 1.00× |",
        f"| derive and match every obligation | {t_derive:.2f} | {t_derive / t_floor:.1f}× |",
        f"| monthly compliance and report aggregates | {t_aggregate:.2f} | "
        f"{t_aggregate / t_floor:.1f}× |",
    ]
    out = HERE / "results" / f"obligations-{args.label}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
