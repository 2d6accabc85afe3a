"""One name for one thing: "the registry" is the other part; the mailer's HTTP client of it is
the registry client (`RegistryClient`, `registry_client`), never a bare `registry`, and no
mailer name is one of the registry's own classes (its repository above all)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def identifiers(path: Path) -> set[str]:
    """Every name a module defines or uses: variables, arguments, attributes, functions,
    classes, imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[-1])
    return names


def mailer_identifiers() -> dict[str, set[str]]:
    return {
        str(path.relative_to(ROOT)): identifiers(path)
        for path in sorted((ROOT / "mailer").rglob("*.py"))
    }


def registry_adapter_classes() -> set[str]:
    return {
        node.name
        for path in (ROOT / "consent_service" / "adapters").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ClassDef)
    }


def test_the_mailer_never_calls_the_registry_client_a_bare_registry() -> None:
    bare = {"registry", "Registry"}
    assert {m: names & bare for m, names in mailer_identifiers().items() if names & bare} == {}


def test_no_registry_name_of_the_mailer_is_a_class_of_the_registrys_adapters() -> None:
    theirs = registry_adapter_classes()
    ours = {name for names in mailer_identifiers().values() for name in names}
    assert {name for name in ours & theirs if "registry" in name.lower()} == set()
