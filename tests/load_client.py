"""A dashboard client in a process of its own, for the serving-during-load tests.

Runs the dashboard's data layer (the same functions the pages call, with their caches and the
generation-keyed connections) in a loop until STOP_FILE exists, writing one JSON line per
answer to OUT_FILE: the month end shown, the whole bank's loan count and balance there, and the
inspection figures of the year up to it; or the error. Usage:
python tests/load_client.py WAREHOUSE OUT_FILE STOP_FILE
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# the dashboard reads its warehouse from the settings, as when served
os.environ["DAIHOU_WAREHOUSE"] = sys.argv[1]

from daihou.access import User
from dashboard import data
from dashboard.data import inspection
from metrics.periods import period_window


def answer(user: User) -> dict[str, object]:
    """One page's worth of figures, all from the generation pinned for it (as a page run)."""
    data.pin_generation()
    as_of = data.month_ends()[-1]
    scope = data.scope_for(user, user.org_id)
    quality = data.asset_quality_at(user, scope, as_of)
    start, end = period_window(as_of, "year")
    owed = inspection.compliance(user, scope, start, end, as_of)
    return {
        "as_of": as_of.isoformat(),
        "loans": quality.loan_count,
        "balance": str(quality.total_balance),
        "due": owed.due,
        "on_time": owed.on_time,
    }


def main() -> None:
    out, stop = Path(sys.argv[2]), Path(sys.argv[3])
    user = User("监测客户端", "supervision", "HO", "client")
    with out.open("w") as sink:
        while not stop.exists():
            try:
                line = answer(user)
            except Exception as exc:  # every failure is reported, none stops the loop
                line = {"error": f"{type(exc).__name__}: {exc}"}
            sink.write(json.dumps(line) + "\n")
            sink.flush()


if __name__ == "__main__":
    main()
