"""Double opt-in and preference-link emails: sent once through the file backend, whatever the
consents or the cap."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from mailer.adapters import orm
from mailer.services import export_part
from mailer.services.confirmations import CLAIM_TIMEOUT
from mailer.services.sending.sender import Sender
from schemas.messages import load_message
from tests.mailer import factories
from tests.mailer.runs import (
    HandClock,
    Killed,
    KilledAfter,
    MirrorRegistryClient,
    apply,
    drive,
    file_backend,
    outbox,
    request_run,
    seed,
    settings,
    weekly,
)

NEVER = datetime(2100, 1, 1, tzinfo=UTC)
"""A `reply_by` no export request outlives."""


def rows(unit_of_work) -> list[orm.Confirmation]:
    with unit_of_work() as store:
        return list(store.session.scalars(select(orm.Confirmation)))


def sender(unit_of_work, backend, **changes) -> Sender:
    return Sender(
        unit_of_work, backend, MirrorRegistryClient(unit_of_work), None, settings(**changes)
    )


def test_a_confirmation_email_is_sent_once_and_its_address_forgotten(
    unit_of_work, tmp_path: Path
) -> None:
    subject_id = uuid.uuid4()
    body = factories.confirmation_requested(subject_id, 1, email="new.reader@example.kg")
    apply(unit_of_work, body)
    apply(unit_of_work, body)

    drive(sender(unit_of_work, file_backend(tmp_path)))
    drive(sender(unit_of_work, file_backend(tmp_path)))

    [written] = outbox(tmp_path)
    assert (written.category, written.subject_id, written.to) == (
        "confirmation",
        subject_id,
        "new.reader@example.kg",
    )
    assert "List-Unsubscribe" not in written.headers
    [row] = rows(unit_of_work)
    assert (row.state, row.address) == ("sent", None)
    assert row.finished_at is not None


def test_a_preference_link_is_sent_once_forgotten_and_listed_in_the_export(
    unit_of_work, tmp_path: Path
) -> None:
    subject_id = uuid.uuid4()
    body = factories.preferences_link_requested(subject_id, 3, email="reader@example.kg")
    assert apply(unit_of_work, body) == "applied"
    assert apply(unit_of_work, body) == "duplicate"

    drive(sender(unit_of_work, file_backend(tmp_path)))

    [written] = outbox(tmp_path)
    assert (written.category, written.subject_id, written.to) == (
        "preferences",
        subject_id,
        "reader@example.kg",
    )
    assert "List-Unsubscribe" not in written.headers
    [row] = rows(unit_of_work)
    assert (row.kind, row.state, row.address) == ("preferences", "sent", None)
    request = {"request_id": uuid.uuid4(), "subject_id": subject_id, "reply_by": NEVER}
    answer = load_message(export_part.answer(unit_of_work, request, datetime.now(UTC)))
    assert [(e["kind"], e["outcome"]) for e in answer["emails"]] == [("preferences", "sent")]


def test_a_preference_link_asked_for_before_an_erasure_is_not_sent(
    unit_of_work, tmp_path: Path
) -> None:
    subject_id = uuid.uuid4()
    apply(unit_of_work, factories.subject_erased(subject_id, 4))
    assert apply(unit_of_work, factories.preferences_link_requested(subject_id, 3)) == "stale"
    drive(sender(unit_of_work, file_backend(tmp_path)))
    assert outbox(tmp_path) == []


def test_a_confirmation_goes_whatever_the_view_and_the_cap_say(
    unit_of_work, tmp_path: Path
) -> None:
    [subject_id] = seed(unit_of_work, 1, status="withdrawn")
    [capped] = seed(unit_of_work, 1)
    request_run(unit_of_work)
    worker = sender(unit_of_work, file_backend(tmp_path), frequency_cap=weekly(1))
    drive(worker)
    apply(unit_of_work, factories.confirmation_requested(subject_id, 2))
    apply(unit_of_work, factories.confirmation_requested(capped, 2, email="capped@example.kg"))

    drive(worker)

    sent = [w.subject_id for w in outbox(tmp_path) if w.category == "confirmation"]
    assert sorted(sent) == sorted([subject_id, capped])


def test_a_confirmation_claimed_by_a_killed_worker_is_unknown_and_not_sent_again(
    unit_of_work, tmp_path: Path
) -> None:
    apply(unit_of_work, factories.confirmation_requested(uuid.uuid4(), 1))
    dying = sender(unit_of_work, KilledAfter(file_backend(tmp_path), calls=0, max_envelopes=1))
    with pytest.raises(Killed):
        dying.send_confirmations()
    assert [row.state for row in rows(unit_of_work)] == ["claimed"]

    later = Sender(
        unit_of_work,
        file_backend(tmp_path),
        None,
        None,
        settings(),
        clock=HandClock(ahead=CLAIM_TIMEOUT + timedelta(seconds=1)),
    )
    drive(later)

    [row] = rows(unit_of_work)
    assert (row.state, row.address) == ("unknown", None)
    assert outbox(tmp_path) == []


def test_a_worker_stopping_puts_unsent_confirmations_back_in_the_queue(
    unit_of_work, tmp_path: Path
) -> None:
    for _ in range(3):
        apply(unit_of_work, factories.confirmation_requested(uuid.uuid4(), 1))
    worker = sender(unit_of_work, file_backend(tmp_path))
    worker.stop()

    assert worker.send_confirmations() == 0

    assert [row.state for row in rows(unit_of_work)] == ["queued"] * 3


def test_a_confirmation_never_waits_behind_a_campaign_batch_but_is_counted_against_it(
    unit_of_work, tmp_path: Path
) -> None:
    apply(unit_of_work, factories.confirmation_requested(uuid.uuid4(), 1))
    worker = Sender(
        unit_of_work,
        file_backend(tmp_path),
        None,
        None,
        settings(send_rate=1.0),
        clock=HandClock(seconds=0.0),
    )
    campaigns = worker.throttle.campaigns
    batch_wait = campaigns.reserve(1000, 0.0)  # a batch of 1000 at one email a second
    tokens = campaigns.tokens

    assert worker.send_confirmations() == 1

    assert batch_wait == 999
    assert [w.category for w in outbox(tmp_path)] == ["confirmation"]
    assert campaigns.tokens == tokens - 1
