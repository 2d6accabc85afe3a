"""Retry runs and test emails in the mailer, on the fakes.

A retry run plans only the failed rows of the run it retries, and only those still granted:
never an `unknown` one, never one that was sent. A test email goes through the queue of
transactional emails, rendered by the campaign composer, its subject marked, and touches no
run, ledger or count.
"""

import uuid

from mailer.domain.outgoing import Outcome
from mailer.services.confirmations import send_confirmations
from mailer.services.test_emails import TestEmails
from plumbing.tokens import LinkSigner
from tests.fakes.mailer.outside import FakeBackend
from tests.mailer import factories
from tests.unit.mailer.services.given import (
    SETTINGS,
    apply,
    drive,
    ledger,
    make_sender,
    recipient,
    request_run,
    seed,
)


def test_a_retry_run_sends_only_to_the_failed_who_are_still_granted(database, clock) -> None:
    people = seed(database, 6)
    failed, unknown, sent = people[:3], people[3], people[4:]
    outcomes = dict.fromkeys(failed, "failed") | {unknown: "unknown"}
    backend = FakeBackend(answer=lambda s: Outcome(s, outcomes.get(s, "sent")))  # type: ignore[arg-type]
    campaign_id = uuid.uuid4()
    first = request_run(database, clock, campaign_id=campaign_id)
    drive(make_sender(database, clock, backend=backend))
    assert ledger(database, first) == {
        **dict.fromkeys(failed, "failed"),
        unknown: "unknown",
        **dict.fromkeys(sent, "sent"),
    }
    database.tables.views[failed[0]] = recipient(failed[0], status="withdrawn", version=2)

    retry = request_run(database, clock, campaign_id=campaign_id, retry_of=first)
    again = FakeBackend()
    drive(make_sender(database, clock, backend=again))

    assert set(ledger(database, retry)) == set(failed[1:])
    assert again.handed == dict.fromkeys(failed[1:], 1)


def test_a_test_email_is_rendered_marked_and_sent_without_a_run(database, clock) -> None:
    body = factories.campaign_test_requested(
        ["aigul@shop.example.kg", "qa@agency.example"], locale="ru"
    )
    assert apply(database, body, clock) == "applied"
    assert apply(database, body, clock) == "duplicate"
    backend = FakeBackend()
    tests = TestEmails(LinkSigner(SETTINGS.secret_key), SETTINGS.public_base_url, SETTINGS.shop)

    sent = send_confirmations(
        database, backend, "ky", clock.now, lambda n: False, SETTINGS.shop, tests.compose
    )

    assert sent == 2
    assert backend.categories() == ["campaign_test", "campaign_test"]
    assert sorted(e.address for call in backend.calls for e in call.envelopes) == [
        "aigul@shop.example.kg",
        "qa@agency.example",
    ]
    call = backend.calls[0]
    assert call.content.subject == "[TEST] " + factories.CONTENT["ru"]["subject"]
    assert "run_id" not in call.envelopes[0].custom_args
    assert database.tables.runs == {} and database.tables.deliveries == {}
    assert {row.state for row in database.tables.confirmations.values()} == {"sent"}
    assert all(row.content is None for row in database.tables.confirmations.values())
