"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable


def best(runs: int, fn: Callable[[], object]) -> float:
    """The fastest of ``runs`` calls of ``fn``, in seconds (the least disturbed by the rest of
    the machine)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)
