"""Latency figures shared by the benchmarks: one definition of a percentile for all of them, and
the plain-text tables their reports print."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Timings:
    """Latencies of one kind of request, in seconds; figures in milliseconds (nan when empty)."""

    seconds: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.seconds)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.5) - 1))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds) * 1000 if self.seconds else float("nan")

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    @property
    def worst(self) -> float:
        return max(self.seconds) * 1000 if self.seconds else float("nan")

    def describe(self, p99: bool = True) -> str:
        tail = f", p99 {self.p99:.1f}" if p99 else ""
        return f"p50 {self.p50:.1f}, p95 {self.p95:.1f}{tail} ms"


def table(title: str, rows: Sequence[tuple[str, ...]]) -> list[str]:
    """``rows`` (the first one the heading) as lines of left-aligned columns under ``title``."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = ["", title, rule]
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    return [*lines, rule]
