"""What every bench reports the same way: memory from /proc, and latency over several runs.

Memory: ``VmHWM`` (peak resident set) and ``VmRSS`` from ``/proc/<pid>/status``, of the
process itself. ``ru_maxrss`` is not used: a child inherits its parent's peak in it, so
a bench parent's memory would be reported as the bot's.

Latency: ``runs`` runs of samples (at least 3 runs and 2,000 samples in all unless a
time budget cuts a slow command short, which the figures then say), min / median / p99
per run and over all of them.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

RUNS = 3
SAMPLES = 2_000  # in all runs together


def proc_status_mb(pid: int | str = "self") -> dict[str, float]:
    """``VmHWM`` and ``VmRSS`` (and the other Vm* lines) of a process, in MB."""
    figures: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.startswith("Vm") and value.strip().endswith("kB"):
            figures[key] = int(value.split()[0]) / 1024
    return figures


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (the p99 of 2,000 samples is the 1,980th)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@dataclass
class Series:
    """Samples in milliseconds, kept per run."""

    name: str
    runs: list[list[float]] = field(default_factory=list)
    budget_hit: bool = False

    @property
    def all(self) -> list[float]:
        return [sample for run in self.runs for sample in run]

    @property
    def count(self) -> int:
        return len(self.all)

    def stat(self, which: str) -> float:
        samples = self.all
        if not samples:
            return math.nan
        if which == "min":
            return min(samples)
        if which == "p50":
            return statistics.median(samples)
        if which == "p99":
            return percentile(samples, 0.99)
        if which == "max":
            return max(samples)
        raise ValueError(which)

    def lines(self) -> list[str]:
        out = [
            f"{self.name} run {index}: {describe(run)}"
            for index, run in enumerate(self.runs, 1)
            if run
        ]
        cut = " (time budget reached: fewer samples)" if self.budget_hit else ""
        out.append(f"{self.name} overall: {describe(self.all)}{cut}")
        return out


def describe(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    return (
        f"n {len(samples):,}, min {min(samples):.2f} ms, median "
        f"{statistics.median(samples):.2f} ms, p99 {percentile(samples, 0.99):.2f} ms"
    )


async def sample_runs(
    name: str,
    action: Callable[[int], Awaitable[float]],
    *,
    runs: int = RUNS,
    samples: int = SAMPLES,
    budget_s: float = 60.0,
    minimum: int = 3,
) -> Series:
    """``action(i)`` performs sample ``i`` and returns its time in ms.

    Each run gets ``samples / runs`` samples, or fewer once the run has used its
    share of ``budget_s`` (but at least ``minimum``), so a command that takes a
    second today does not keep the bench running for an hour.
    """
    series = Series(name)
    per_run = math.ceil(samples / runs)
    index = 0
    for _ in range(runs):
        run: list[float] = []
        started = time.perf_counter()
        while len(run) < per_run:
            if len(run) >= minimum and time.perf_counter() - started > budget_s / runs:
                series.budget_hit = True
                break
            run.append(await action(index))
            index += 1
        series.runs.append(run)
    return series
