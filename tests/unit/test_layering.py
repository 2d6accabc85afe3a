"""The domain stays plain Python: no web, database, broker or email library may creep in."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "flask",
    "werkzeug",
    "sqlalchemy",
    "alembic",
    "kombu",
    "pika",
    "sendgrid",
    "marshmallow",
    "psycopg",
}
DOMAIN_MODULES = sorted((ROOT / "consent_service" / "domain").glob("*.py"))


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", DOMAIN_MODULES, ids=lambda p: p.name)
def test_domain_module_imports_no_framework(module: Path) -> None:
    assert imported_roots(module) & FORBIDDEN == set()


@pytest.mark.parametrize("package", ["consent_service", "schemas"])
def test_registry_and_schemas_never_import_the_mailer(package: str) -> None:
    for module in (ROOT / package).rglob("*.py"):
        assert "mailer" not in imported_roots(module), module


def test_mailer_and_message_schemas_never_import_the_registry() -> None:
    modules = [*(ROOT / "mailer").rglob("*.py"), *(ROOT / "schemas" / "messages").rglob("*.py")]
    modules.append(ROOT / "plumbing" / "vocabulary.py")
    for module in modules:
        assert "consent_service" not in imported_roots(module), module


def test_shared_vocabulary_matches_the_registry_domain() -> None:
    from consent_service.domain.consent import ConsentStatus, Source
    from consent_service.domain.purposes import CATALOGUE, CONSENT_PURPOSES, EMAIL_PURPOSES
    from plumbing import vocabulary

    assert vocabulary.CONSENT_PURPOSES == CONSENT_PURPOSES
    assert vocabulary.EMAIL_PURPOSES == EMAIL_PURPOSES
    assert set(vocabulary.STATUSES) == {s.value for s in ConsentStatus}
    assert list(vocabulary.SOURCES) == [s.value for s in Source]
    assert {p.id: p.legal_basis.value for p in CATALOGUE.values()} == vocabulary.LEGAL_BASES
    assert set(vocabulary.FORM_SOURCES) <= set(vocabulary.SOURCES)


def test_plumbing_knows_neither_part() -> None:
    for module in (ROOT / "plumbing").rglob("*.py"):
        assert imported_roots(module) & {"consent_service", "mailer", "schemas"} == set(), module


def test_the_image_copies_every_package() -> None:
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    copied = (ROOT / "deploy" / "Dockerfile").read_text()
    for pattern in packages["packages"]["find"]["include"]:
        name = pattern.rstrip("*")
        assert f"COPY {name} ./{name}" in copied
