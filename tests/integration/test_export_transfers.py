"""Delivering direct transfers on both databases: the relay's worker against a local HTTP
recipient, with a hand-moved clock so retries need no waiting (the relay process itself:
tests/e2e/test_transfers_*.py)."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select, update

from consent_service.adapters import orm
from consent_service.adapters.export_requests import exporter_for
from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.transfer_client import HttpPoster, SystemResolver
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.domain.transfers import MAX_ATTEMPTS
from consent_service.relay.transfer_delivery import LEASE, TransferWorker
from consent_service.services import audit
from consent_service.services.transfers import register_recipient
from tests.factories import consent_body
from tests.integration.test_export_api import StandInMailer
from tests.transfer_recipient import Recipient, serving, verify

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "export.schema.json").read_text())


@pytest.fixture
def recipient_server() -> Iterator[Recipient]:
    yield from serving()


class Clock:
    """The worker's time: real time when a transfer is requested, then moved by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def catch_up(self) -> None:
        self.now = max(self.now, datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mailer() -> StandInMailer:
    return StandInMailer()


@pytest.fixture
def secret(app, recipient_server: Recipient) -> str:
    with app.extensions["consent.sessions"]() as session, session.begin():
        return register_recipient(
            SqlRepository(session),
            "crm",
            recipient_server.url(),
            production=False,
            now=datetime.now(UTC),
            resolver=SystemResolver(),
        )


@pytest.fixture
def dpo(make_key) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key('subjects:write', 'subjects:read', name='dpo')}"}


@pytest.fixture
def person(client, writer) -> str:
    body = consent_body(purposes={"personalization": True})
    return client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]


def worker_for(app, clock: Clock, mailer: StandInMailer, *, production: bool = False):
    sessions = app.extensions["consent.sessions"]
    exporter = exporter_for(app.extensions["consent.settings"], sessions, mailer)
    uow = SqlUnitOfWork(sessions)
    return TransferWorker(uow, exporter, HttpPoster(2.0), production=production, clock=clock)


def request(client, dpo, person: str, clock: Clock) -> str:
    response = client.post(
        f"/v1/subjects/{person}/transfers", json={"recipient": "crm"}, headers=dpo
    )
    assert response.status_code == 202, response.get_json()
    clock.catch_up()
    return response.get_json()["transfer_id"]


def transfer(client, dpo, person: str, transfer_id: str) -> dict:
    return client.get(f"/v1/subjects/{person}/transfers/{transfer_id}", headers=dpo).get_json()


def history(client, dpo, person: str) -> list[dict]:
    return client.get(f"/v1/subjects/{person}/history", headers=dpo).get_json()["entries"]


def ledger_evidence(app, person: str) -> list[dict]:
    table = orm.LedgerEntry
    with app.extensions["consent.sessions"]() as session:
        query = select(table.evidence).where(
            table.subject_id == uuid.UUID(person), table.kind == "transfer"
        )
        return list(session.execute(query).scalars())


def test_a_transfer_posts_the_signed_export_and_is_proved_in_the_ledger(
    app, client, dpo, person, secret, recipient_server, clock, mailer
) -> None:
    transfer_id = request(client, dpo, person, clock)
    assert worker_for(app, clock, mailer).step()
    [received] = recipient_server.received
    assert received.path == "/in"
    assert verify(secret, received)
    assert received.headers["X-Consent-Timestamp"] == str(int(clock.now.timestamp()))
    assert received.headers["X-Consent-Transfer-Id"] == transfer_id
    assert received.headers["Content-Type"].startswith("application/json")
    sent = json.loads(received.body)
    jsonschema.Draft202012Validator(SCHEMA).validate(sent)
    assert sent["subject"]["subject_id"] == person
    assert [e["outcome"] for e in sent["emails"]] == ["sent", "sent"]

    shown = transfer(client, dpo, person, transfer_id)
    assert (shown["status"], shown["attempts"], shown["last_error"]) == ("delivered", 1, None)
    entry = history(client, dpo, person)[-1]
    assert (entry["kind"], entry["source"], entry["actor"]) == ("transfer", "admin", "dpo")
    assert (entry["purpose"], entry["status"]) == (None, None)
    [evidence] = ledger_evidence(app, person)
    assert evidence["recipient"] == "crm"
    assert evidence["outcome"] == "delivered"
    assert evidence["transfer_id"] == transfer_id
    assert "@" not in json.dumps(evidence)


def test_the_ledger_entry_raises_the_version_announces_it_and_still_verifies(
    app, client, dpo, person, secret, clock, mailer
) -> None:
    before = client.get(f"/v1/subjects/{person}", headers=dpo).get_json()["version"]
    request(client, dpo, person, clock)
    worker_for(app, clock, mailer).step()
    after = client.get(f"/v1/subjects/{person}", headers=dpo).get_json()["version"]
    assert after == before + 1
    with app.extensions["consent.sessions"]() as session:
        payloads = session.execute(
            select(orm.OutboxMessage.payload).order_by(orm.OutboxMessage.id.desc()).limit(1)
        ).scalars()
        [last] = list(payloads)
        report = audit.verify(SqlRepository(session), ["test-secret"])
    assert (last["schema"], last["version"], last["changed"]) == ("subject.updated/1", after, [])
    assert report.ok, report.findings


def test_a_recipient_that_fails_then_answers_gets_the_retry(
    app, client, dpo, person, secret, recipient_server, clock, mailer
) -> None:
    recipient_server.answer(500)
    transfer_id = request(client, dpo, person, clock)
    worker = worker_for(app, clock, mailer)
    assert worker.step()
    shown = transfer(client, dpo, person, transfer_id)
    assert (shown["status"], shown["attempts"], shown["last_error"]) == ("pending", 1, "HTTP 500")
    assert not worker.step(), "retried before its backoff"
    clock.advance(timedelta(seconds=5))
    assert worker.step()
    first, second = recipient_server.received
    assert verify(secret, first) and verify(secret, second)
    shown = transfer(client, dpo, person, transfer_id)
    assert (shown["status"], shown["attempts"]) == ("delivered", 2)
    assert [e["outcome"] for e in ledger_evidence(app, person)] == ["delivered"]


def test_a_redirect_is_not_followed_and_fails_the_transfer(
    app, client, dpo, person, secret, recipient_server, clock, mailer
) -> None:
    recipient_server.answer(302)
    transfer_id = request(client, dpo, person, clock)
    assert worker_for(app, clock, mailer).step()
    assert [r.path for r in recipient_server.received] == ["/in"]
    shown = transfer(client, dpo, person, transfer_id)
    assert shown["status"] == "failed"
    assert shown["last_error"] == "HTTP 302 (redirects are not followed)"
    [evidence] = ledger_evidence(app, person)
    assert evidence["outcome"] == "failed"
    clock.advance(timedelta(hours=1))
    assert not worker_for(app, clock, mailer).step()


def test_retries_stop_after_the_last_attempt(
    app, client, dpo, person, secret, recipient_server, clock, mailer
) -> None:
    recipient_server.answer(*[503] * MAX_ATTEMPTS)
    transfer_id = request(client, dpo, person, clock)
    worker = worker_for(app, clock, mailer)
    for _ in range(MAX_ATTEMPTS):
        assert worker.step()
        clock.advance(timedelta(minutes=15))
    assert not worker.step()
    shown = transfer(client, dpo, person, transfer_id)
    assert (shown["status"], shown["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert len(recipient_server.received) == MAX_ATTEMPTS
    assert [e["outcome"] for e in ledger_evidence(app, person)] == ["failed"]


def test_a_recipient_that_does_not_answer_is_retried(
    app, client, dpo, person, secret, recipient_server, clock, mailer
) -> None:
    transfer_id = request(client, dpo, person, clock)
    recipient_server.close()
    assert worker_for(app, clock, mailer).step()
    shown = transfer(client, dpo, person, transfer_id)
    assert shown["status"] == "pending"
    assert shown["last_error"].startswith("no answer")


def test_without_the_mailers_part_nothing_is_sent_and_it_is_retried(
    app, client, dpo, person, secret, recipient_server, clock, mailer
) -> None:
    mailer.available = False
    transfer_id = request(client, dpo, person, clock)
    assert worker_for(app, clock, mailer).step()
    assert recipient_server.received == []
    shown = transfer(client, dpo, person, transfer_id)
    assert (shown["status"], shown["last_error"]) == (
        "pending",
        "the mailer's part of the export is unavailable",
    )
    assert ledger_evidence(app, person) == []


def test_a_url_no_longer_allowed_is_never_called(
    app, client, dpo, person, secret, recipient_server, clock, mailer
) -> None:
    """Registered as http to loopback in development; the registry now runs in production."""
    transfer_id = request(client, dpo, person, clock)
    assert worker_for(app, clock, mailer, production=True).step()
    assert recipient_server.received == []
    assert transfer(client, dpo, person, transfer_id)["status"] == "failed"


def test_a_person_erased_before_delivery_is_not_sent(
    app, client, dpo, person, secret, recipient_server, clock, mailer
) -> None:
    transfer_id = uuid.UUID(request(client, dpo, person, clock))
    with app.extensions["consent.sessions"]() as session, session.begin():
        session.execute(
            update(orm.Subject)
            .where(orm.Subject.id == uuid.UUID(person))
            .values(erased_at=datetime.now(UTC))
        )
    assert worker_for(app, clock, mailer).step()
    assert recipient_server.received == []
    with app.extensions["consent.sessions"]() as session:
        row = SqlRepository(session).transfers.transfer(transfer_id)
    assert (row.status, row.last_error) == ("failed", "the subject is no longer held")
    assert ledger_evidence(app, person) == []


def test_an_attempt_taken_over_after_its_lease_cannot_record_its_outcome(
    app, client, dpo, person, secret, clock
) -> None:
    request(client, dpo, person, clock)
    sessions = app.extensions["consent.sessions"]
    with sessions() as session, session.begin():
        stale = SqlRepository(session).transfers.claim_due(clock.now, clock.now + LEASE)
    assert stale is not None
    later = clock.now + LEASE + timedelta(seconds=1)
    with sessions() as session, session.begin():
        transfers = SqlRepository(session).transfers
        assert transfers.claim_due(clock.now, clock.now + LEASE) is None
        fresh = transfers.claim_due(later, later + LEASE)
    assert fresh is not None and fresh.attempts == 2
    with sessions() as session, session.begin():
        transfers = SqlRepository(session).transfers
        assert not transfers.finish(stale, "delivered", later, None)
        assert not transfers.retry_later(stale, later, "late")
        assert transfers.finish(fresh, "delivered", later, None)
