"""The whole service as real processes sending a campaign to the fake SendGrid.

Builds on `tests.stack`: the registry API, relay and any number of `mailer work` processes,
with the mailer's send-time check asking the registry and email going to `FakeSendGrid`.
Subjects are seeded through the API; their events are then marked delivered and the mailer
builds its view by catch-up, which is the same view, in seconds instead of a minute.
"""

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from consent_service.config import database_url as driver_url
from tests.databases import fresh_postgres
from tests.fake_sendgrid import FakeSendGrid
from tests.processes import consent_cli
from tests.stack import Stack, wait_until

SECRET = "campaign-stack-secret"
SCOPES = (
    "consents:write",
    "subjects:read",
    "subjects:write",
    "campaigns:read",
    "campaigns:write",
    "campaigns:send",
    "sync:read",
)
CONTENT = {
    "ky": {
        "subject": "Жаңылыктар",
        "html": "<p>Салам!</p><a href='{{ unsubscribe_url }}'>Жазылуудан чыгуу</a>",
        "text": "Салам! {{ unsubscribe_url }}",
    },
    "en": {
        "subject": "News",
        "html": "<p>Hello!</p><a href='{{ unsubscribe_url }}'>Unsubscribe</a>",
        "text": "Hello! {{ unsubscribe_url }}",
    },
}
FINISHED = ("completed", "cancelled", "failed")


@contextmanager
def campaign_stack(tmp_path: Path, kind: str, fake: FakeSendGrid, **settings: str):
    """A migrated registry, a key with every scope, and the parts ready to start.

    `kind` is `rabbitmq` (PostgreSQL databases and the machine's RabbitMQ, vhost from
    `settings["BROKER_URL"]`) or `embedded` (SQLite files and the embedded broker).
    """
    if kind == "embedded":
        instance = tmp_path / "instance"
        databases = {
            "CONSENT_DATABASE_URL": f"sqlite:///{instance / 'consent.db'}",
            "MAILER_DATABASE_URL": f"sqlite:///{instance / 'mailer.db'}",
            "BROKER_URL": "",
        }
        with _stack(tmp_path, fake, {**databases, **settings}) as stack:
            yield stack
        return
    with (
        fresh_postgres("consent_campaign") as registry_db,
        fresh_postgres("mailer_campaign") as mailer_db,
    ):
        databases = {"CONSENT_DATABASE_URL": registry_db, "MAILER_DATABASE_URL": mailer_db}
        with _stack(tmp_path, fake, {**databases, **settings}) as stack:
            yield stack


@contextmanager
def _stack(tmp_path: Path, fake: FakeSendGrid, settings: dict[str, str]) -> Iterator[Stack]:
    environ = {
        "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
        "CONSENT_SECRET_KEY": SECRET,
        "CONSENT_DOUBLE_OPT_IN": "",
        "DEFAULT_LOCALE": "ky",
        "MAILER_EMAIL_BACKEND": "sendgrid",
        "SENDGRID_API_KEY": fake.api_key,
        "SENDGRID_HOST": fake.url,
        "MAILER_CATCHUP_INTERVAL": "3600",
        **settings,
    }
    assert consent_cli(environ, "db", "upgrade").returncode == 0
    stack = Stack(environ, tmp_path)
    key = stack.create_key(*SCOPES)
    stack.environ |= {
        "MAILER_REGISTRY_URL": stack.base,
        "MAILER_REGISTRY_KEY": key,
        "PUBLIC_BASE_URL": stack.base,
    }
    try:
        yield stack
    finally:
        stack.stop_all()


def seed_subscribers(stack: Stack, count: int, purpose: str = "newsletters") -> list[str]:
    """`count` people granted `purpose` through the API; the mailer learns them by catch-up.

    Call with only the API running. Their events are marked delivered, so the mailer started
    afterwards builds its view from the registry's change feed rather than 3 events each.
    """

    def sign_up(n: int) -> str:
        body = {
            "subject": {"email": f"reader{n}@example.kg", "locale": ("ky", "en", "ru")[n % 3]},
            "purposes": {purpose: True},
            "source": "import",
        }
        status, answer = stack.call("POST", "/v1/consents", body)
        assert status == 201, answer
        return answer["subject_id"]

    with ThreadPoolExecutor(4) as pool:
        subjects = list(pool.map(sign_up, range(count)))
    _execute(stack.environ["CONSENT_DATABASE_URL"], "UPDATE outbox SET sent_at = created_at")
    return subjects


def wait_for_view(stack: Stack, count: int, purpose: str = "newsletters") -> None:
    query = (
        "SELECT count(*) FROM recipient_consents "
        f"WHERE purpose = '{purpose}' AND status = 'granted'"
    )
    url = stack.environ["MAILER_DATABASE_URL"]
    assert wait_until(lambda: _scalar(url, query) == count, 120, 0.5), "the view never filled"


def create_campaign(stack: Stack, **overrides: Any) -> str:
    body = {
        "name": "Weekly news",
        "purpose": "newsletters",
        "content": CONTENT,
        "schedule": {"at": "2030-01-07T09:00:00+06:00"},
        **overrides,
    }
    status, campaign = stack.call("POST", "/v1/campaigns", body)
    assert status == 201, campaign
    return campaign["id"]


def start_run(stack: Stack, campaign_id: str) -> str:
    status, answer = stack.call("POST", f"/v1/campaigns/{campaign_id}/runs")
    assert status == 202, answer
    return answer["run_id"]


def registry_run(stack: Stack, campaign_id: str, run_id: str) -> dict[str, Any]:
    status, campaign = stack.call("GET", f"/v1/campaigns/{campaign_id}")
    assert status == 200, campaign
    return next(run for run in campaign["runs"] if run["id"] == run_id)


def wait_for_run(stack: Stack, campaign_id: str, run_id: str, timeout: float = 180) -> dict:
    """The run as the registry shows it once the mailer reported it finished."""
    finished = wait_until(
        lambda: registry_run(stack, campaign_id, run_id)["status"] in FINISHED, timeout, 0.5
    )
    run = registry_run(stack, campaign_id, run_id)
    assert finished, f"run not finished: {run}"
    return run


def mailer_run(stack: Stack, run_id: str) -> dict[str, Any]:
    query = (
        "SELECT status, recipients, sent, skipped_withdrawn, skipped_capped, failed, unknown "
        f"FROM mailer_runs WHERE run_id = '{run_id}'"
    )
    row = _rows(stack.environ["MAILER_DATABASE_URL"], _uuid_literal(stack, query, run_id))
    return dict(row[0]._mapping) if row else {}


def ledger_of(stack: Stack, run_id: str) -> dict[str, str]:
    """The mailer's send ledger of a run: each subject id's state."""
    query = f"SELECT subject_id, state FROM mailer_deliveries WHERE run_id = '{run_id}'"
    rows = _rows(stack.environ["MAILER_DATABASE_URL"], _uuid_literal(stack, query, run_id))
    return {str(uuid.UUID(str(subject))): state for subject, state in rows}


def sent_so_far(fake: FakeSendGrid) -> int:
    return fake.stats()["recipients"]


def batch_checks(stack: Stack, run_id: str) -> dict[str, datetime]:
    """When the send-time check of each recipient's batch began, by subject id."""
    query = (
        "SELECT d.subject_id, b.checked_at FROM mailer_deliveries d JOIN mailer_batches b "
        "ON b.run_id = d.run_id AND b.batch_no = d.batch_no "
        f"WHERE d.run_id = '{run_id}'"
    )
    rows = _rows(stack.environ["MAILER_DATABASE_URL"], _uuid_literal(stack, query, run_id))
    return {str(uuid.UUID(str(subject))): _utc(checked) for subject, checked in rows}


def _utc(value: datetime | str) -> datetime:
    """SQLite hands a raw query naive UTC text; PostgreSQL an aware datetime."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


def counts_add_up(run: dict[str, Any]) -> bool:
    counts = run["counts"]
    parts = ("sent", "skipped_withdrawn", "skipped_capped", "failed", "unknown")
    return counts["recipients"] == sum(counts[part] for part in parts)


def recipients_of(fake: FakeSendGrid, run_id: str) -> list[str]:
    """Subject ids the fake SendGrid accepted an email of this run for, repeats included
    (a test email belongs to no run)."""
    return [
        a.custom_args["subject_id"]
        for a in fake.accepted()
        if a.custom_args.get("run_id") == run_id
    ]


def _uuid_literal(stack: Stack, query: str, run_id: str) -> str:
    """SQLite stores uuids as 32 hex digits, PostgreSQL as uuids."""
    if stack.environ["MAILER_DATABASE_URL"].startswith("sqlite"):
        return query.replace(f"'{run_id}'", f"'{uuid.UUID(run_id).hex}'")
    return query


def _execute(url: str, statement: str) -> None:
    engine = create_engine(driver_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _rows(url: str, query: str) -> list[Any]:
    engine = create_engine(driver_url(url))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)))
    finally:
        engine.dispose()


def _scalar(url: str, query: str) -> int:
    try:
        rows = _rows(url, query)
    except Exception:  # noqa: BLE001 - the mailer has not created its tables yet
        return -1
    return rows[0][0]


def timestamp() -> datetime:
    """Wall-clock now, comparable with the times the mailer writes (same machine)."""
    return datetime.fromtimestamp(time.time()).astimezone()
