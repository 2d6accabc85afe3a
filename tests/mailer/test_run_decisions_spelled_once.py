"""The send-time check's decisions are spelled once, in mailer/domain/send_ledger.py.

A decision written as a literal elsewhere keeps working until someone renames the constant,
and then silently stops matching (a `skipped_withdrawn` row that nobody counts). Adapters
are not scanned: there the same words are the names of count columns.
"""

import ast
from pathlib import Path
from typing import get_args

import pytest

from mailer.domain import send_ledger

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = set(get_args(send_ledger.Decision))
MODULES = sorted(
    [*(ROOT / "mailer" / "domain").rglob("*.py"), *(ROOT / "mailer" / "services").rglob("*.py")]
)


def literal_decisions(path: Path) -> list[int]:
    """Lines where a decision is written as a string, outside its constant's definition and
    the `Literal[...]` type that lists them."""
    tree = ast.parse(path.read_text())
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and getattr(node.value, "id", None) == "Literal":
            allowed |= {id(child) for child in ast.walk(node.slice)}
        if isinstance(node, ast.AnnAssign | ast.Assign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(getattr(target, "id", "").isupper() for target in targets):
                allowed.add(id(node.value))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in DECISIONS and id(node) not in allowed
    ]


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(ROOT / "mailer")))
def test_decisions_are_named_by_their_constants(module: Path) -> None:
    assert literal_decisions(module) == []
