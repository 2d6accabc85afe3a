"""Double opt-in and preference-link emails: each sent at most once, whatever the consents or the
cap, and their address forgotten as soon as the outcome is known."""

import uuid
from datetime import timedelta

import pytest

from mailer.domain.outgoing import Outcome
from mailer.domain.send_ledger import TAKEN_OVER
from mailer.services.confirmations import CHUNK, CLAIM_TIMEOUT, send_confirmations
from mailer.services.sending.pace import SendPace
from tests.fakes.mailer.outside import FakeBackend, Killed
from tests.mailer import factories
from tests.unit.mailer.services.given import (
    SETTINGS,
    apply,
    drive,
    make_sender,
    request_run,
    seed,
    weekly,
)


def rows(database):
    return list(database.tables.confirmations.values())


def send(database, clock, backend, wait_for=lambda emails: False) -> int:
    return send_confirmations(database, backend, "ky", clock.now, wait_for, SETTINGS.shop)


def test_a_confirmation_is_sent_once_and_its_address_forgotten(database, clock, backend) -> None:
    subject_id = uuid.uuid4()
    body = factories.confirmation_requested(subject_id, 1, email="new.reader@example.kg")
    apply(database, body)
    apply(database, body)

    assert send(database, clock, backend) == 1
    assert send(database, clock, backend) == 0

    [call] = backend.calls
    assert (call.category, [e.address for e in call.envelopes]) == (
        "confirmation",
        ["new.reader@example.kg"],
    )
    [row] = rows(database)
    assert (row.state, row.address, row.finished_at) == ("sent", None, clock.at)


def test_a_preference_link_goes_in_the_same_queue_with_its_own_email(
    database, clock, backend
) -> None:
    apply(database, factories.preferences_link_requested(uuid.uuid4(), 3))
    send(database, clock, backend)
    assert backend.categories() == ["preferences"]
    assert [(row.kind, row.state) for row in rows(database)] == [("preferences", "sent")]


def test_a_confirmation_goes_whatever_the_consents_and_the_cap_say(
    database, clock, backend
) -> None:
    [withdrawn] = seed(database, 1, status="withdrawn")
    [capped] = seed(database, 1)
    request_run(database, clock)
    sender = make_sender(database, clock, backend=backend, frequency_cap=weekly(1))
    drive(sender)
    apply(database, factories.confirmation_requested(withdrawn, 2))
    apply(database, factories.confirmation_requested(capped, 2, email="capped@example.kg"))

    drive(sender)

    sent = [c.envelopes[0].subject_id for c in backend.calls if c.category == "confirmation"]
    assert sorted(sent) == sorted([withdrawn, capped])


def test_a_confirmation_claimed_by_a_killed_worker_is_unknown_and_never_resent(
    database, clock
) -> None:
    apply(database, factories.confirmation_requested(uuid.uuid4(), 1))
    dying = FakeBackend(dies_after=0)
    with pytest.raises(Killed):
        send(database, clock, dying)
    assert [row.state for row in rows(database)] == ["claimed"]

    later = FakeBackend()
    clock.advance(CLAIM_TIMEOUT - timedelta(seconds=1))
    assert send(database, clock, later) == 0
    assert [row.state for row in rows(database)] == ["claimed"]
    clock.advance(timedelta(seconds=2))
    send(database, clock, later)

    [row] = rows(database)
    assert (row.state, row.reason, row.address) == ("unknown", TAKEN_OVER, None)
    assert later.calls == []


def test_a_worker_stopping_puts_the_unsent_confirmations_back(database, clock, backend) -> None:
    for _ in range(3):
        apply(database, factories.confirmation_requested(uuid.uuid4(), 1))
    answers = iter([False, True])

    assert send(database, clock, backend, wait_for=lambda emails: next(answers)) == 1

    assert sorted(row.state for row in rows(database)) == ["queued", "queued", "sent"]
    assert all(row.claimed_at is None for row in rows(database) if row.state == "queued")


def test_at_most_a_chunk_is_claimed_at_a_time_oldest_first(database, clock, backend) -> None:
    ids = []
    for _ in range(CHUNK + 2):
        ids.append(uuid.uuid4())
        apply(database, factories.confirmation_requested(ids[-1], 1), clock)
        clock.advance(timedelta(seconds=1))
    assert send(database, clock, backend) == CHUNK
    assert [c.envelopes[0].subject_id for c in backend.calls] == ids[:CHUNK]


def test_the_backends_answer_is_recorded_and_no_answer_is_unknown(database, clock) -> None:
    refused, silent = uuid.uuid4(), uuid.uuid4()
    apply(database, factories.confirmation_requested(refused, 1), clock)
    clock.advance(timedelta(seconds=1))
    apply(database, factories.confirmation_requested(silent, 1, email="b@example.kg"), clock)

    def answer(subject_id):
        return Outcome(subject_id, "failed", "550 no such user") if subject_id == refused else None

    send(database, clock, FakeBackend(answer=answer))

    outcomes = {row.subject_id: (row.state, row.reason) for row in rows(database)}
    assert outcomes == {
        refused: ("failed", "550 no such user"),
        silent: ("unknown", "no outcome from the email backend"),
    }


def test_a_confirmation_never_waits_behind_a_campaign_batch_but_is_charged_to_it(clock) -> None:
    waited: list[float] = []

    def sleep(seconds: float) -> bool:
        waited.append(seconds)
        return False

    pace = SendPace(1.0, clock.monotonic, sleep)
    pace.wait_for_batch(1000)  # a batch of 1000 at one email a second
    tokens = pace.campaigns.tokens

    assert pace.wait_for_confirmation(1) is False

    assert waited == [999.0, 0.0]
    assert pace.campaigns.tokens == tokens - 1
