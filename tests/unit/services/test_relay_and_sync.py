"""The outbox relay and the mailer's catch-up reads, through the service."""

from collections.abc import Sequence

import pytest

from consent_service.domain.suppression import SuppressionReason
from consent_service.relay.outbox_publishing import relay_batch
from consent_service.services import sync
from consent_service.services.erasure import Erasure, erase
from consent_service.services.ports.outbox import OutgoingMessage, PublishError
from consent_service.services.status import OutboxLag
from consent_service.services.suppressions import suppress
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import record


class Broker:
    """Confirms every message but those it is told to drop; refuses all when down."""

    def __init__(self, drop: int = 0, down: bool = False) -> None:
        self.drop, self.down = drop, down
        self.published: list[OutgoingMessage] = []

    def publish(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        if self.down:
            raise PublishError("connection refused")
        self.published += messages
        return [m.message_id for m in messages[self.drop :]]


def written(uow, links, count: int) -> None:
    with uow.transaction() as registry:
        for _ in range(count):
            record(registry, links, {"personalization": True})


def test_the_relay_publishes_the_oldest_first_and_marks_only_what_was_confirmed(
    uow, tables, links
) -> None:
    written(uow, links, 5)
    broker = Broker(drop=1)
    assert relay_batch(uow, broker, batch_size=3) == 2
    assert [m.message_id for m in broker.published] == [
        str(r["message_id"]) for r in tables.outbox[:3]
    ]
    assert [r["sent_at"] is not None for r in tables.outbox] == [False, True, True, False, False]
    with uow.transaction() as registry:
        assert OutboxLag.measure(registry, NOW).unsent == 3


def test_a_broker_that_is_down_leaves_the_outbox_as_it_was(uow, tables, links) -> None:
    written(uow, links, 2)
    with pytest.raises(PublishError):
        relay_batch(uow, Broker(down=True), batch_size=10)
    assert [r["sent_at"] for r in tables.outbox] == [None, None]


def test_a_bucket_lists_erased_subjects_without_their_consents_and_marks_suppressed_addresses(
    registry, links
) -> None:
    kept = record(registry, links, {"personalization": True})
    bounced = record(registry, links, {"surveys": True})
    gone = record(registry, links, {"surveys": True})
    suppress(registry, SECRET, bounced.subject.email, SuppressionReason.HARD_BOUNCE, NOW)
    erase(registry, gone.subject_id, Erasure("admin", "ck", NOW), SECRET)
    found = {
        s.state.subject_id: s
        for s in sync.subjects(
            registry, [kept.subject_id, bounced.subject_id, gone.subject_id], secret_keys=(SECRET,)
        )
    }
    assert found[str(kept.subject_id)].state.consents == {"personalization": ("granted", 1)}
    assert (found[str(bounced.subject_id)].suppressed, found[str(kept.subject_id)].suppressed) == (
        True,
        False,
    )
    erased = found[str(gone.subject_id)]
    assert (erased.state.erased, erased.state.consents, erased.email) == (True, {}, None)
    assert sync.versions(registry, [gone.subject_id])[gone.subject_id] == 2
    assert sync.suppressed(
        registry, [kept.subject_id, bounced.subject_id], secret_keys=(SECRET,)
    ) == {bounced.subject_id}
