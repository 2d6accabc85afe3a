"""The SendGrid backend with the official client, against the fake SendGrid over HTTP."""

import dataclasses
import logging
import uuid

import pytest

from mailer.adapters.email.sendgrid import SendGridBackend
from mailer.domain.outgoing import Outgoing, Person
from mailer.services.compose import confirmation_email
from tests.email.factories import SENDER, SHOP, composer, one_group
from tests.fake_sendgrid import DEFAULT_KEY, FakeSendGrid
from tests.processes import free_port


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the backend asked for, instead of waiting."""
    return []


@pytest.fixture
def backend(fake_sendgrid: FakeSendGrid, sleeps: list[float]) -> SendGridBackend:
    return SendGridBackend(DEFAULT_KEY, SENDER, fake_sendgrid.url, sleep=sleeps.append)


def people(count: int) -> list[Person]:
    return [
        Person(uuid.uuid4(), f"reader{n}@example.kg", "ky", f"Reader {n}") for n in range(count)
    ]


def test_a_group_is_accepted_with_each_recipient_s_values(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid
) -> None:
    group = one_group(3)

    outcomes = backend.send(group)

    assert [(o.subject_id, o.kind) for o in outcomes] == [
        (e.subject_id, "sent") for e in group.envelopes
    ]
    accepted = {a.email: a for a in fake_sendgrid.accepted()}
    assert sorted(accepted) == sorted(e.address for e in group.envelopes)
    for envelope in group.envelopes:
        taken = accepted[envelope.address]
        unsubscribe = envelope.headers["List-Unsubscribe"].strip("<>")
        assert taken.custom_args == dict(envelope.custom_args)
        assert taken.headers == dict(envelope.headers)
        assert taken.categories == ["campaign"]
        assert taken.rendered("subject") == "News for Aigul"
        assert f"Out: {unsubscribe}" in taken.rendered("text/plain")
        assert f'href="{unsubscribe}"' in taken.rendered("text/html")


def test_the_request_names_the_sender_and_the_content_types(backend: SendGridBackend) -> None:
    group = one_group(1)

    body = backend.request_body(group, group.envelopes)

    assert body["from"] == {"email": "news@shop.example.kg", "name": "Shop news"}
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]


EVERY_TRACKING_OFF = {
    "click_tracking": {"enable": False, "enable_text": False},
    "open_tracking": {"enable": False},
    "subscription_tracking": {"enable": False},
}


def test_campaign_and_confirmation_requests_switch_every_tracking_off(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid
) -> None:
    """Whatever the account has switched on: click tracking would send our links (the
    unsubscribe link too) through SendGrid, open tracking would add a pixel."""
    campaign = composer().compose(people(1500), max_envelopes=2000)
    confirmation = confirmation_email(
        uuid.uuid4(),
        "new@example.kg",
        "ru",
        "ky",
        "https://c.example.kg/confirm/t",
        ["surveys"],
        SHOP,
    )

    outcomes = [o for group in [*campaign, confirmation] for o in backend.send(group)]

    assert {o.kind for o in outcomes} == {"sent"}
    assert fake_sendgrid.rejections() == []
    assert fake_sendgrid.stats()["requests"] == 3  # two for the campaign, one confirmation
    accepted = fake_sendgrid.accepted()
    assert len(accepted) == 1501
    assert all(a.tracking_settings == EVERY_TRACKING_OFF for a in accepted)


def test_a_thousand_recipients_go_in_one_request(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid
) -> None:
    [group] = composer().compose(people(1000))

    outcomes = backend.send(group)

    assert {o.kind for o in outcomes} == {"sent"}
    assert fake_sendgrid.stats()["statuses"] == {"202": 1}
    assert fake_sendgrid.stats()["recipients"] == 1000


def test_more_than_a_thousand_or_a_repeated_address_take_another_request(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid
) -> None:
    [group] = composer().compose(people(1001), max_envelopes=2000)
    twice = dataclasses.replace(group.envelopes[1], address=group.envelopes[0].address.upper())
    group = Outgoing(group.content, [*group.envelopes[:1], twice, *group.envelopes[2:]])

    outcomes = backend.send(group)

    assert {o.kind for o in outcomes} == {"sent"}
    assert fake_sendgrid.stats()["statuses"] == {"202": 2}


def test_429_waits_as_long_as_retry_after_says_then_sends_once(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid, sleeps: list[float]
) -> None:
    fake_sendgrid.fail_next(429, 2, retry_after=7)

    outcomes = backend.send(one_group(3))

    assert {o.kind for o in outcomes} == {"sent"}
    assert sleeps == [7.0, 7.0]
    assert fake_sendgrid.stats()["recipients"] == 3
    assert fake_sendgrid.stats()["duplicates"] == 0


def test_a_long_retry_after_is_cut_to_a_minute(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid, sleeps: list[float]
) -> None:
    fake_sendgrid.fail_next(429, 1, retry_after=3600)

    backend.send(one_group(1))

    assert sleeps == [60.0]


def test_5xx_is_retried_with_growing_waits_until_it_goes_through(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid, sleeps: list[float]
) -> None:
    fake_sendgrid.fail_next(500, 2)
    fake_sendgrid.fail_next(503, 1)

    outcomes = backend.send(one_group(2))

    assert {o.kind for o in outcomes} == {"sent"}
    assert sleeps == [1.0, 2.0, 4.0]
    assert fake_sendgrid.stats()["recipients"] == 2


def test_5xx_beyond_the_bound_fails_with_the_reason(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid, sleeps: list[float]
) -> None:
    fake_sendgrid.fail_next(500, 5)

    outcomes = backend.send(one_group(2))

    assert {o.kind for o in outcomes} == {"failed"}
    assert "500 5 times" in (outcomes[0].reason or "")
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert fake_sendgrid.accepted() == []


def test_a_bad_request_fails_with_sendgrid_s_messages(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid, sleeps: list[float]
) -> None:
    group = one_group(2)
    bad = dataclasses.replace(group.envelopes[0], headers={"Subject": "not allowed"})
    group = Outgoing(group.content, [bad, group.envelopes[1]])

    outcomes = backend.send(group)

    assert {o.kind for o in outcomes} == {"failed"}
    assert "400" in (outcomes[0].reason or "")
    assert "The header Subject is reserved" in (outcomes[0].reason or "")
    assert "personalizations.0.headers.Subject" in (outcomes[0].reason or "")
    assert sleeps == []


def test_a_wrong_key_fails_without_retrying(
    fake_sendgrid: FakeSendGrid, sleeps: list[float]
) -> None:
    backend = SendGridBackend("SG.wrong", SENDER, fake_sendgrid.url, sleep=sleeps.append)

    outcomes = backend.send(one_group(1))

    assert [o.kind for o in outcomes] == ["failed"]
    assert "401" in (outcomes[0].reason or "")
    assert sleeps == []


def test_a_lost_answer_after_sending_is_unknown(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid, sleeps: list[float]
) -> None:
    fake_sendgrid.drop_next()

    outcomes = backend.send(one_group(2))

    assert {o.kind for o in outcomes} == {"unknown"}
    assert sleeps == []
    assert fake_sendgrid.stats()["recipients"] == 2


def test_an_unreachable_sendgrid_fails_after_bounded_retries(sleeps: list[float]) -> None:
    backend = SendGridBackend(
        DEFAULT_KEY, SENDER, f"http://127.0.0.1:{free_port()}", sleep=sleeps.append
    )

    outcomes = backend.send(one_group(1))

    assert [o.kind for o in outcomes] == ["failed"]
    assert "cannot reach SendGrid" in (outcomes[0].reason or "")
    assert sleeps == [1.0, 2.0, 4.0, 8.0]


def test_retries_are_logged_without_addresses(
    backend: SendGridBackend, fake_sendgrid: FakeSendGrid, caplog: pytest.LogCaptureFixture
) -> None:
    fake_sendgrid.fail_next(429, 1, retry_after=1)
    group = one_group(2)

    with caplog.at_level(logging.WARNING, logger="mailer.adapters.email.sendgrid"):
        backend.send(group)

    [record] = caplog.records
    assert (record.event, record.status, record.run_id) == (
        "sendgrid_retry",
        429,
        group.envelopes[0].custom_args["run_id"],
    )
    assert "@" not in str(vars(record))
