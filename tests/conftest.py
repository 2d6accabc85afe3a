"""Fixtures: a fresh app on SQLite and on the machine's PostgreSQL, API clients and keys.

PostgreSQL tests need the real server. Locally they are skipped when it is not running; with
CI=true they fail instead, so a missing server can never pass for green.
"""

import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import hypothesis
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from consent_service.adapters import schema
from consent_service.adapters.repository import SqlRepository
from consent_service.app import create_app
from consent_service.config import Settings
from consent_service.services import api_keys
from plumbing.db import make_engine
from tests.databases import fresh_postgres, service_unavailable
from tests.documented_answers import recorded_answers, undocumented
from tests.processes import stop_started

# Hypothesis's per-example deadline is a timed assertion: on a loaded 2-core machine a fast
# example can take 200 ms, and the test would fail for the machine, not for the code.
hypothesis.settings.register_profile("suite", deadline=None)
hypothesis.settings.load_profile("suite")

REGISTRY_TABLES = (
    "import_rejections",
    "import_jobs",
    "consent_days",
    "consent_counts",
    "console_audit",
    "login_failures",
    "staff_sessions",
    "staff_users",
    "forms",
    "former_addresses",
    "link_emails",
    "suppressions",
    "webhook_events",
    "transfer_recipients",
    "transfers",
    "used_link_tokens",
    "rights_requests",
    "campaign_test_sends",
    "campaign_runs",
    "campaigns",
    "layouts",
    "audit_verifications",
    "consent_ledger_checkpoints",
    "consent_ledger",
    "outbox",
    "idempotency_keys",
    "consents",
    "subjects",
    "api_keys",
)


def pytest_sessionfinish() -> None:
    """Processes the tests started and left running (a failed test, an interrupted one) stop."""
    stop_started()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One fresh registry database for the whole run, dropped at the end."""
    with fresh_postgres("consent_test") as url:
        schema.upgrade(url.replace("postgresql://", "postgresql+psycopg://"))
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The registry database, empty but for the seeded policy; each backend in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'consent.db'}"
        schema.upgrade(url)
        return url
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(REGISTRY_TABLES)} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM policies WHERE version <> '2026-11-01'"))
    engine.dispose()
    return url


@pytest.fixture
def environ(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
        "CONSENT_DATABASE_URL": database_url,
        "CONSENT_SECRET_KEY": "test-secret",
    }


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return Settings.from_env(environ)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["consent.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def registry_session(app: Flask) -> Callable[[], SqlRepository]:
    """A fresh read session on the app's database, to look behind the API."""
    sessions = app.extensions["consent.sessions"]
    opened = []

    def open_registry() -> SqlRepository:
        session = sessions()
        opened.append(session)
        return SqlRepository(session)

    yield open_registry
    for session in opened:
        session.close()


@pytest.fixture
def make_key(app: Flask) -> Callable[..., str]:
    def create(*scopes: str, name: str = "test") -> str:
        with app.extensions["consent.sessions"]() as session, session.begin():
            return api_keys.create_key(
                SqlRepository(session), name, list(scopes), datetime.now(UTC)
            )

    return create


@pytest.fixture
def writer(make_key: Callable[..., str]) -> dict[str, str]:
    """Headers of a key that may write consents and read subjects."""
    key = make_key("consents:write", "subjects:read", "subjects:write")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def table_counts(app: Flask) -> Callable[[], dict[str, int]]:
    """Row counts of every registry table: 'the database is unchanged' made checkable."""
    engine = app.extensions["consent.engine"]

    def counts() -> dict[str, int]:
        with engine.connect() as conn:
            tables = (*REGISTRY_TABLES, "policies", "policy_documents")
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}

    return counts


def _rabbitmqctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def rabbitmq_url() -> Iterator[str]:
    """A fresh vhost on the machine's RabbitMQ, deleted afterwards."""
    vhost = f"consent-test-{uuid.uuid4().hex[:10]}"
    try:
        created = _rabbitmqctl("add_vhost", vhost)
    except FileNotFoundError as error:
        service_unavailable("RabbitMQ", str(error))
    if created.returncode != 0:
        service_unavailable("RabbitMQ", created.stderr.strip() or created.stdout.strip())
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def rabbitmq_control() -> Iterator[Callable[[str], None]]:
    """Stop and start the broker's app; it is always started again, even if the test fails."""

    def control(action: str) -> None:
        assert action in ("stop_app", "start_app")
        result = _rabbitmqctl(action)
        assert result.returncode == 0, result.stderr
        if action == "start_app":
            _rabbitmqctl("await_startup")

    yield control
    control("start_app")


@pytest.fixture(autouse=True)
def answers_are_documented() -> Iterator[None]:
    """Every answer the registry gives in a test is one /openapi.json describes (0027)."""
    with recorded_answers() as answers:
        yield
    missing = undocumented(answers)
    assert not missing, "answers the OpenAPI document does not describe:\n" + "\n".join(missing)
