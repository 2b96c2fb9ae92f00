"""Cut a demo-bank extract into the deliveries of the incremental-month benchmark.

    python benchmarks/split_month.py split EXTRACT HISTORY_DIR MONTH_DIR
    python benchmarks/split_month.py shorten HISTORY_DIR OUT_DIR --cut DATE [--months N]

``split``: the history (every row dated up to the second-to-last month end, as known then) and
the last month's delivery, as Parquet. ``shorten``: that history's last N month ends alone (the
dated facts before them left out), to load the same month onto a shorter history; a step of its
own so that the suite writes it only after the longer history's warehouse is removed (at large,
two warehouse files and three extracts do not fit the disk at once). See
``daihou.generator.deliveries`` for what each delivery holds.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from daihou.generator.deliveries import shorten_history, split_last_month
from metrics.portfolio import trend_start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    split = sub.add_parser("split", help="the history and the last month's delivery")
    split.add_argument("extract", type=Path)
    split.add_argument("history", type=Path)
    split.add_argument("month", type=Path)
    short = sub.add_parser("shorten", help="a history's last month ends alone")
    short.add_argument("history", type=Path, help="a history `split` wrote")
    short.add_argument("out", type=Path)
    short.add_argument("--cut", type=date.fromisoformat, required=True, help="its last month end")
    short.add_argument("--months", type=int, default=12, help="month ends to keep")
    args = ap.parse_args()
    if args.command == "split":
        cut, last = split_last_month(args.extract, args.history, args.month)
        print(f"history up to {cut} in {args.history}; {last} in {args.month}")
    else:
        first = trend_start(args.cut, args.months).replace(day=1)
        shorten_history(args.history, args.out, first)
        print(f"the history from {first} on in {args.out}")


if __name__ == "__main__":
    main()
