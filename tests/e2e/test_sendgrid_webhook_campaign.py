"""A suppressed address gets no campaign email (SPEC section 4), through the whole service.

Real processes (`consent serve`, `consent relay`, `mailer work`) and the fake SendGrid: a
hard bounce delivered to the signed webhook keeps that address out of the next run while
everyone else receives it, also for an address that bounced before its holder signed up
(no version of theirs says so; the send-time fence asks), and a rectification to another
address lets the person receive the run after. On the embedded defaults and on PostgreSQL
with RabbitMQ.
"""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from consent_service.config import database_url as driver_url
from tests.campaign_stack import (
    campaign_stack,
    counts_add_up,
    create_campaign,
    recipients_of,
    seed_subscribers,
    start_run,
    wait_for_run,
    wait_for_view,
)
from tests.fake_sendgrid import FakeSendGrid
from tests.sendgrid_events import SendGrid
from tests.stack import Stack

KINDS = ["embedded", pytest.param("rabbitmq", marks=pytest.mark.postgres)]


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as server:
        yield server


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def bounce(stack: Stack, sendgrid: SendGrid, email: str) -> None:
    status, answer = sendgrid.post(stack.base, [sendgrid.event("bounce", email, type="bounce")])
    assert (status, answer["applied"]) == (200, 1), answer


def suppressed_in_view(stack: Stack, subject_id: str) -> bool:
    """The mailer's own flag (uuids as 32 hex digits suit both databases)."""
    engine = create_engine(driver_url(stack.environ["MAILER_DATABASE_URL"]))
    query = text("SELECT suppressed FROM recipients WHERE subject_id = :id")
    try:
        with engine.connect() as connection:
            return bool(connection.execute(query, {"id": uuid.UUID(subject_id).hex}).scalar_one())
    finally:
        engine.dispose()


def run_to_the_end(stack: Stack, campaign_id: str) -> tuple[str, dict]:
    run_id = start_run(stack, campaign_id)
    return run_id, wait_for_run(stack, campaign_id, run_id, timeout=120)


def test_a_hard_bounce_keeps_the_address_out_of_the_next_run(
    request: pytest.FixtureRequest, tmp_path, fake: FakeSendGrid, kind: str
) -> None:
    sendgrid = SendGrid()
    settings = {"SENDGRID_WEBHOOK_PUBLIC_KEY": sendgrid.public_key}
    if kind == "rabbitmq":
        settings["BROKER_URL"] = request.getfixturevalue("rabbitmq_url")
    with campaign_stack(tmp_path, kind, fake, **settings) as stack:
        stack.start("api")
        bounce(stack, sendgrid, "newcomer@example.kg")
        readers = seed_subscribers(stack, 4)
        stack.start("relay")
        stack.start("mailer")
        wait_for_view(stack, 4)

        bounce(stack, sendgrid, "reader1@example.kg")
        body = {
            "subject": {"email": "newcomer@example.kg", "locale": "ky"},
            "purposes": {"newsletters": True},
            "source": "registration",
        }
        status, newcomer = stack.call("POST", "/v1/consents", body)
        assert status == 201, newcomer
        wait_for_view(stack, 5)
        assert not suppressed_in_view(stack, newcomer["subject_id"]), "only the fence can tell"

        campaign_id = create_campaign(stack)
        run_id, run = run_to_the_end(stack, campaign_id)

        assert sorted(recipients_of(fake, run_id)) == sorted([readers[0], *readers[2:]])
        assert run["counts"]["recipients"] == 5
        assert (run["counts"]["sent"], run["counts"]["skipped_withdrawn"]) == (3, 2)
        assert counts_add_up(run)
        assert suppressed_in_view(stack, newcomer["subject_id"])

        moved = {"email": "reader1.new@example.kg"}
        status, answer = stack.call("PATCH", f"/v1/subjects/{readers[1]}", moved)
        assert status == 200, answer
        run_id, run = run_to_the_end(stack, campaign_id)

        received = {a.custom_args["subject_id"]: a.email for a in fake.accepted()}
        assert readers[1] in recipients_of(fake, run_id), "the new address is not suppressed"
        assert received[readers[1]] == "reader1.new@example.kg"
        assert newcomer["subject_id"] not in recipients_of(fake, run_id)
        assert run["counts"]["sent"] == 4
