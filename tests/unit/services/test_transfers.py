"""Direct transfers through the service: queued, delivered by the worker, and the final
outcome proved in the ledger; a poster and a mailer part stand in for the network."""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.errors import SubjectNotFound
from consent_service.relay.transfer_delivery import TransferWorker
from consent_service.services import audit
from consent_service.services.erasure import Erasure, erase
from consent_service.services.export import Exporter
from consent_service.services.ports.transfers import PostResult
from consent_service.services.receipts import Controller
from consent_service.services.transfers import (
    UnknownRecipient,
    register_recipient,
    request_transfer,
)
from tests.factories import RECORD_CONTEXT as RECORDS
from tests.fakes.registry import FakeRepository
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import record


class Recipient:
    """Answers every POST with the next status; remembers what it was sent."""

    def __init__(self, *statuses: int | None) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[str, bytes, dict[str, str]]] = []

    def resolve(self, host: str, port: int) -> list[str]:
        return ["203.0.113.10"]

    def post(self, url, body, headers, *, connect_to=None) -> PostResult:
        self.received.append((url, body, headers))
        status = self.statuses.pop(0)
        return PostResult(status, f"HTTP {status}" if status else "no answer")


class Mailer:
    def emails_of(self, subject_id: uuid.UUID) -> list[dict]:
        return []


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


def queued(uow, links) -> tuple[uuid.UUID, uuid.UUID]:
    with uow.transaction() as registry:
        view = record(registry, links, {"personalization": True})
        register_recipient(
            registry,
            "crm",
            "http://127.0.0.1:8099/in",
            production=False,
            now=NOW,
            resolver=Recipient(),
        )
        transfer = request_transfer(registry, view.subject_id, "crm", "ck-dpo", NOW)
    return view.subject_id, transfer.id


def worker(uow, poster: Recipient, clock: Clock) -> TransferWorker:
    exporter = Exporter(
        uow,
        Controller("Shop", "dpo@example.kg", "https://shop.example.kg"),
        RECORDS,
        Mailer(),
    )
    return TransferWorker(uow, exporter, poster, production=False, clock=clock)


def test_a_delivered_transfer_is_proved_and_announced_at_the_next_version(
    uow, tables, links
) -> None:
    subject_id, transfer_id = queued(uow, links)
    poster, clock = Recipient(204), Clock()
    assert worker(uow, poster, clock).step()
    [(_url, body, headers)] = poster.received
    assert headers["X-Consent-Transfer-Id"] == str(transfer_id) and b'"subject"' in body
    assert tables.transfers[transfer_id].status == "delivered"
    registry = FakeRepository(tables)
    entry = registry.history(subject_id)[-1]
    assert (entry.record.kind, entry.record.source, entry.record.actor, entry.record.seq) == (
        "transfer",
        "admin",
        "ck-dpo",
        2,
    )
    assert (entry.evidence["outcome"], entry.evidence["answer"]) == ("delivered", "HTTP 204")
    message = tables.messages(subject_id)[-1]
    assert (message["schema"], message["version"], message["changed"]) == (
        "subject.updated/1",
        2,
        [],
    )
    assert audit.verify(registry, [SECRET]).ok


def test_a_failed_attempt_is_tried_again_later_and_proves_nothing_yet(uow, tables, links) -> None:
    subject_id, transfer_id = queued(uow, links)
    poster, clock = Recipient(503, 204), Clock()
    assert worker(uow, poster, clock).step()
    transfer = tables.transfers[transfer_id]
    assert (transfer.status, transfer.attempts, transfer.last_error) == ("pending", 1, "HTTP 503")
    assert len(FakeRepository(tables).history(subject_id)) == 1
    assert not worker(uow, poster, clock).step()  # not due yet
    clock.now = transfer.next_attempt_at + timedelta(seconds=1)
    assert worker(uow, poster, clock).step()
    assert tables.transfers[transfer_id].status == "delivered"


def test_the_transfer_of_a_subject_erased_meanwhile_fails_without_an_entry(
    uow, tables, links
) -> None:
    subject_id, transfer_id = queued(uow, links)
    with uow.transaction() as registry:
        erase(registry, subject_id, Erasure("admin", "ck-dpo", NOW), SECRET)
    poster = Recipient(204)
    assert worker(uow, poster, Clock()).step()
    assert poster.received == []
    transfer = tables.transfers[transfer_id]
    assert (transfer.status, transfer.last_error) == ("failed", "the subject is no longer held")
    assert [e.record.kind for e in FakeRepository(tables).history(subject_id)] == [
        "consent",
        "erasure",
    ]


def test_a_transfer_needs_a_known_subject_and_a_registered_recipient(registry, links) -> None:
    view = record(registry, links, {"personalization": True})
    with pytest.raises(UnknownRecipient):
        request_transfer(registry, view.subject_id, "nobody", "ck", NOW)
    with pytest.raises(SubjectNotFound):
        request_transfer(registry, uuid.uuid4(), "nobody", "ck", NOW)
