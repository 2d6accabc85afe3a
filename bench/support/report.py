"""Output every benchmark shares: progress on stderr, figures and verdicts on stdout, JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def log(message: str) -> None:
    """Progress, on stderr so that stdout holds only the figures."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def aligned(figures: dict[str, Any]) -> str:
    """`name  value` lines, the names padded to one width."""
    width = max(map(len, figures))
    return "\n".join(f"{name:<{width}}  {value}" for name, value in figures.items())


def write_json(path: Path | None, data: Any) -> None:
    """The figures as JSON, when the run was asked for a file (`--json FILE`)."""
    if path is not None:
        path.write_text(json.dumps(data, indent=2, default=str))
