"""Split a demo-bank Parquet extract into the history and the last month's delivery.

    python benchmarks/split_month.py EXTRACT HISTORY_DIR MONTH_DIR

See ``daihou.generator.deliveries`` for what each delivery holds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from daihou.generator.deliveries import split_last_month


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("extract", type=Path)
    ap.add_argument("history", type=Path)
    ap.add_argument("month", type=Path)
    args = ap.parse_args()
    cut, last = split_last_month(args.extract, args.history, args.month)
    print(f"history up to {cut} in {args.history}; {last} in {args.month}")


if __name__ == "__main__":
    main()
