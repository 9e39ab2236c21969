"""Timing shared by the bench scripts (run as ``python bench/<script>.py``, so this folder is on the path)."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed_cpu(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds of this process, all its threads) of ``repeat``
    calls after one warm-up call. On a shared machine the CPU time is the steadier figure."""
    fn()
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``repeat`` calls (after one warm-up call)."""
    return timed_cpu(fn, repeat)[0]
