"""A measured phase of the consent-write benchmarks, and the tables that print phases.

A phase is either HTTP load (2xx answers) or the raw psycopg baseline (commits); both are
printed in the same columns, so that each figure stands next to the limit of the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from support.machine import CORES, CPU_CLASSES

OWN_CPU = ("server", "db", "client", "kernel")
"""The classes a request itself costs; `other` is the neighbours'."""


@dataclass
class Phase:
    name: str
    requests: int
    seconds: float
    latencies_ms: dict[str, float]  # p50 p95 p99 max
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    note: str = ""

    @property
    def ok(self) -> int:
        """Successful requests (2xx), or committed transactions for the raw baseline."""
        return sum(n for s, n in self.statuses.items() if s.startswith("2") or s == "commit")

    @property
    def bad(self) -> int:
        """Non-2xx answers plus socket errors and timeouts."""
        return self.errors + sum(
            n for s, n in self.statuses.items() if not (s.startswith("2") or s == "commit")
        )

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def cpu_ms(self, kind: str) -> float:
        """CPU milliseconds of one class per successful request or transaction."""
        return self.cpu.get(kind, 0.0) * self.seconds / self.ok * 1000 if self.ok else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "requests": self.requests,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "rate_per_s": round(self.rate, 1),
            "latency_ms": {k: round(v, 2) for k, v in self.latencies_ms.items()},
            "statuses": self.statuses,
            "errors": self.errors,
            "cpu_cores": {k: round(v, 2) for k, v in self.cpu.items()},
            "rows": self.rows,
            "note": self.note,
        }


CPU_HEAD = "  CPU cores:" + "".join(f"{k:>7}" for k in CPU_CLASSES)


def cpu_columns(phase: Phase) -> str:
    return " " * 12 + "".join(f"{phase.cpu.get(k, 0.0):>7.2f}" for k in CPU_CLASSES)


def phase_table(phases: list[Phase]) -> list[str]:
    """Rate, latency, failures and the cores each class used, one line per phase."""
    header = (
        f"{'phase':<33}{'ok':>7}{'rate/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'max ms':>8}{'bad':>5}{CPU_HEAD}"
    )
    lines = [header, "-" * len(header)]
    for phase in phases:
        lat = phase.latencies_ms
        lines.append(
            f"{phase.name:<33}{phase.ok:>7}{phase.rate:>8.0f}{lat['p50']:>8.1f}"
            f"{lat['p95']:>8.1f}{lat['p99']:>8.1f}{lat['max']:>8.1f}{phase.bad:>5}"
            f"{cpu_columns(phase)}"
        )
    return lines


def cpu_per_request(phases: list[Phase]) -> list[str]:
    """CPU per request and the rate the machine's cores would allow at that cost.

    Neighbours change the rate more than the CPU each request costs; the CPU-bound ceiling
    (all cores / CPU of our own processes and the kernel per request) holds on a busy host."""
    lines = [
        "CPU ms per 2xx (HTTP) or per commit (raw):"
        + "".join(f"{k:>8}" for k in OWN_CPU)
        + f"{'total':>8}   ceiling/s = {CORES} cores / total"
    ]
    for phase in phases:
        total = sum(phase.cpu_ms(k) for k in OWN_CPU)
        ceiling = CORES * 1000 / total if total else 0.0
        lines.append(
            f"  {phase.name:<40}"
            + "".join(f"{phase.cpu_ms(k):>8.2f}" for k in OWN_CPU)
            + f"{total:>8.2f}{ceiling:>15.0f}"
        )
    return lines


def rows_written(phases: list[Phase]) -> list[str]:
    return [
        f"rows written per 2xx, {phase.name}: "
        + ", ".join(f"{k} {v / phase.ok:.2f}" for k, v in phase.rows.items())
        + f"; statuses {dict(sorted(phase.statuses.items()))}"
        for phase in phases
        if phase.name.startswith("HTTP") and phase.ok
    ]


def neighbour_warnings(phases: list[Phase]) -> list[str]:
    """A warning for each phase that shared the machine with more than a trace of other work."""
    lines = []
    for phase in phases:
        other, steal = phase.cpu.get("other", 0.0), phase.cpu.get("steal", 0.0)
        if other > 0.1 * CORES or steal > 0.05 * CORES:
            lines.append(
                f"WARNING: not alone during {phase.name!r}: other processes {other:.2f} cores, "
                f"steal {steal:.2f}, iowait {phase.cpu.get('iowait', 0.0):.2f} cores; the rate "
                "may be low, CPU per request is less affected"
            )
    return lines
