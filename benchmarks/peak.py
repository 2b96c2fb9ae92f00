"""Run a module (-m NAME) or code (-c CODE) and report its own peak memory at exit.

    python benchmarks/peak.py -m daihou.cli load EXTRACT     (env BENCH_PEAK_FILE=out.txt)

The peak is VmHWM from /proc/self/status (bytes, written to $BENCH_PEAK_FILE): it belongs to
this process's address space, which exec starts afresh, so it measures only the step itself.
DuckDB allocates inside the process, so its memory is included.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from pathlib import Path


def _report() -> None:
    status = Path("/proc/self/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    Path(os.environ["BENCH_PEAK_FILE"]).write_text(str(kib * 1024))


if __name__ == "__main__":
    atexit.register(_report)
    mode, target, *args = sys.argv[1:]
    if mode == "-m":
        sys.argv = [target, *args]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c", *args]
        exec(compile(target, "<bench>", "exec"), {"__name__": "__main__"})
