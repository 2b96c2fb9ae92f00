"""Split a demo-bank Parquet extract into the history and the last month's delivery.

    python benchmarks/split_month.py EXTRACT HISTORY_DIR MONTH_DIR [--short DIR --months N]

With ``--short``, also the history's last N month ends alone (the dated facts before them
left out), to load the same month onto a shorter history. See ``daihou.generator.deliveries``
for what each delivery holds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from daihou.generator.deliveries import shorten_history, split_last_month
from metrics.portfolio import trend_start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("extract", type=Path)
    ap.add_argument("history", type=Path)
    ap.add_argument("month", type=Path)
    ap.add_argument("--short", type=Path, help="write the shortened history here")
    ap.add_argument("--months", type=int, default=12, help="month ends the short history keeps")
    args = ap.parse_args()
    cut, last = split_last_month(args.extract, args.history, args.month)
    print(f"history up to {cut} in {args.history}; {last} in {args.month}")
    if args.short:
        first = trend_start(cut, args.months).replace(day=1)
        shorten_history(args.history, args.short, first)
        print(f"the history from {first} on in {args.short}")


if __name__ == "__main__":
    main()
