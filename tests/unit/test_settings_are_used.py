"""Every registry setting is read by the code: a setting nothing reads documents behaviour
that does not exist, and its variable misleads whoever sets it."""

import ast
import dataclasses
from pathlib import Path

import pytest

from consent_service.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def attributes_read(package: Path) -> set[str]:
    return {
        node.attr
        for module in package.rglob("*.py")
        for node in ast.walk(ast.parse(module.read_text()))
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)
    }


READ = attributes_read(ROOT / "consent_service")


@pytest.mark.parametrize("setting", [f.name for f in dataclasses.fields(Settings)])
def test_every_registry_setting_is_read_somewhere(setting: str) -> None:
    assert setting in READ
