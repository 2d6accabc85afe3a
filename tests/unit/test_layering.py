"""The layers, as executable rules.

- A domain is plain Python: no web, database, broker or email library, and nothing of the
  layers above it (adapters, services, the faces), not even through a plumbing module.
- Registry services are called by the faces (api, web, the console, the CLI, the relay,
  and the helpers the HTTP faces share in `faces/`) and never call them back.
- The HTTP faces (api, web, the console) share what they need through `faces/`, which
  imports none of them, and never import one another.
- Mailer services depend on the ports they declare (`typing.Protocol`s), never on an adapter:
  the SQL stores, the broker, the backends and the registry client are plugged in by the
  entrypoints (`mailer/cli.py`), or by the in-memory fakes of `tests/fakes/mailer/`.
- Registry services depend on the ports they declare (`services/ports`), never on an adapter:
  the SQL and broker implementations are handed to them, so fakes can stand in (tests/fakes).
- Services count what operators watch through a port, never with prometheus_client.
- `schemas/` holds schemas: marshmallow its only library, neither part imported.
- The registry and the mailer never import each other; `plumbing` imports neither, nor
  `schemas`, so both may import it.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("consent_service", "mailer")
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
    "prometheus_client",
}
"""Libraries no domain module may import."""

ABOVE_THE_DOMAIN = ("adapters", "api", "web", "services", "faces", "relay", "cli")
"""The layers of a part that a domain module may not import."""

HTTP_FACES = ("api", "web", "console")


def modules(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def name_of(path: Path) -> str:
    return str(path.relative_to(ROOT))


def imported(path: Path) -> set[str]:
    """Every module name an import in `path` may load: `from a.b import c` gives a.b and a.b.c."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def imported_roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported(path)}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def source_of(name: str) -> Path | None:
    """The file of a project module, or None for a library or a name that is not a module."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def plumbing_reached(path: Path) -> set[Path]:
    """The plumbing modules `path` imports, and theirs in turn."""
    reached: set[Path] = set()
    pending = [path]
    while pending:
        for name in imported(pending.pop()):
            found = source_of(name) if within(name, "plumbing") else None
            if found is not None and found not in reached:
                reached.add(found)
                pending.append(found)
    return reached


DOMAIN_MODULES = modules(*(f"{part}/domain" for part in PARTS))


@pytest.mark.parametrize("module", DOMAIN_MODULES, ids=name_of)
def test_domain_module_imports_no_framework(module: Path) -> None:
    for checked in (module, *plumbing_reached(module)):
        assert imported_roots(checked) & FORBIDDEN == set(), name_of(checked)


@pytest.mark.parametrize("module", DOMAIN_MODULES, ids=name_of)
def test_domain_module_imports_no_layer_above_it(module: Path) -> None:
    above = [f"{part}.{layer}" for part in PARTS for layer in ABOVE_THE_DOMAIN]
    assert [n for n in imported(module) if any(within(n, a) for a in above)] == []


@pytest.mark.parametrize("module", modules("consent_service/services"), ids=name_of)
def test_registry_service_imports_no_face(module: Path) -> None:
    faces = [f"consent_service.{face}" for face in (*HTTP_FACES, "faces", "cli", "relay")]
    assert [n for n in imported(module) if any(within(n, face) for face in faces)] == []


def importers(folder: str, package: str) -> list[str]:
    """The modules under `folder` that import anything of `package`."""
    return [
        name_of(module)
        for module in modules(folder)
        if any(within(name, package) for name in imported(module))
    ]


@pytest.mark.parametrize(
    ("face", "other"),
    [(face, other) for face in HTTP_FACES for other in HTTP_FACES if face != other],
)
def test_a_face_imports_no_other_face(face: str, other: str) -> None:
    """What two faces share lives in `faces/`, so that each face can change alone."""
    assert importers(f"consent_service/{face}", f"consent_service.{other}") == []


@pytest.mark.parametrize("face", HTTP_FACES)
def test_the_shared_face_helpers_import_no_face(face: str) -> None:
    assert importers("consent_service/faces", f"consent_service.{face}") == []


@pytest.mark.parametrize("module", modules("mailer/services"), ids=name_of)
def test_mailer_service_imports_no_adapter(module: Path) -> None:
    assert [n for n in imported(module) if within(n, "mailer.adapters")] == []


@pytest.mark.parametrize("module", modules("consent_service/services"), ids=name_of)
def test_registry_service_imports_no_adapter_and_no_database_library(module: Path) -> None:
    """Services get their stores through the ports; fakes run them without a database."""
    below = ("consent_service.adapters", "sqlalchemy", "psycopg", "kombu")
    assert [n for n in imported(module) if any(within(n, b) for b in below)] == []


@pytest.mark.parametrize(
    "module", modules("consent_service/services", "mailer/services"), ids=name_of
)
def test_a_service_counts_through_a_port_never_a_metrics_library(module: Path) -> None:
    """What services count goes through their `Meter`/`ChangeMeter` port (fakes in tests)."""
    assert "prometheus_client" not in imported_roots(module)


@pytest.mark.parametrize("module", modules("schemas"), ids=name_of)
def test_schema_module_imports_neither_part(module: Path) -> None:
    assert imported_roots(module) & set(PARTS) == set()


@pytest.mark.parametrize("module", modules("schemas"), ids=name_of)
def test_schema_module_uses_no_library_but_marshmallow(module: Path) -> None:
    """Code that needs another library (a broker, Jinja, a signer) is not a schema."""
    libraries = imported_roots(module) - set(sys.stdlib_module_names) - {"schemas", "plumbing"}
    assert libraries <= {"marshmallow"}


@pytest.mark.parametrize(
    ("part", "other"), [("consent_service", "mailer"), ("mailer", "consent_service")]
)
def test_the_registry_and_the_mailer_never_import_each_other(part: str, other: str) -> None:
    assert [name_of(m) for m in modules(part) if other in imported_roots(m)] == []


def test_plumbing_knows_neither_part() -> None:
    for module in modules("plumbing"):
        assert imported_roots(module) & {*PARTS, "schemas"} == set(), module


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


def test_the_image_copies_every_package() -> None:
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    copied = (ROOT / "deploy" / "Dockerfile").read_text()
    for pattern in packages["packages"]["find"]["include"]:
        name = pattern.rstrip("*")
        assert f"COPY {name} ./{name}" in copied
