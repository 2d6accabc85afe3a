"""The mailer's domain stays plain Python; its services never reach for a broker or the web."""

from pathlib import Path

import pytest

from tests.unit.test_layering import imported_roots

MAILER = Path(__file__).resolve().parents[2] / "mailer"
FRAMEWORKS = {"flask", "werkzeug", "sqlalchemy", "alembic", "kombu", "pika", "sendgrid", "psycopg"}


@pytest.mark.parametrize(
    "module", sorted((MAILER / "domain").rglob("*.py")), ids=lambda p: str(p.relative_to(MAILER))
)
def test_mailer_domain_imports_no_framework_and_no_schemas(module: Path) -> None:
    assert imported_roots(module) & (FRAMEWORKS | {"marshmallow", "schemas"}) == set()


@pytest.mark.parametrize(
    "module", sorted((MAILER / "services").rglob("*.py")), ids=lambda p: str(p.relative_to(MAILER))
)
def test_mailer_services_import_no_broker_or_web_library(module: Path) -> None:
    assert imported_roots(module) & {"flask", "werkzeug", "kombu", "pika", "sendgrid"} == set()
