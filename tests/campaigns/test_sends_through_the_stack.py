"""Test sends and retries through the real processes, to the fake SendGrid.

A test email reaches a member of staff with its subject marked and no run behind it; an
address that is nobody's in the console gets nothing. A retry after SendGrid refused some
emails sends to those refused who are still granted, never to an `unknown` one, never twice.
"""

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.campaign_stack import (
    campaign_stack,
    create_campaign,
    ledger_of,
    recipients_of,
    seed_subscribers,
    start_run,
    wait_for_run,
    wait_for_view,
)
from tests.fake_sendgrid import FakeSendGrid
from tests.processes import consent_cli
from tests.stack import Stack, wait_until

STAFF = "aigul.marketing@shop.example.kg"


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as server:
        yield server


def _ready(stack: Stack, subscribers: int) -> list[str]:
    stack.start("api")
    subjects = seed_subscribers(stack, subscribers)
    stack.start("relay")
    stack.start("mailer")
    wait_for_view(stack, subscribers)
    return subjects


def test_a_test_send_reaches_staff_marked_and_nobody_else(tmp_path, fake) -> None:
    with campaign_stack(tmp_path, "embedded", fake, MAILER_BATCH_SIZE="10") as stack:
        created = consent_cli(
            stack.environ, "users", "create", "--email", STAFF, "--role", "marketing"
        )
        assert created.returncode == 0, created.stderr
        _ready(stack, 2)
        campaign_id = create_campaign(stack)

        status, refused = stack.call(
            "POST", f"/v1/campaigns/{campaign_id}/test", {"to": [STAFF, "reader0@example.kg"]}
        )
        assert (status, set(refused["errors"]["to"])) == (422, {"1"})
        status, answer = stack.call(
            "POST", f"/v1/campaigns/{campaign_id}/test", {"to": [STAFF], "locale": "en"}
        )
        assert status == 202, answer

        assert wait_until(lambda: fake.accepted(), 60, 0.2), "the test email never arrived"
        [email] = fake.accepted()
        assert email.email == STAFF
        assert email.rendered("subject") == "[TEST] News"
        assert email.categories == ["campaign_test"]
        _, campaign = stack.call("GET", f"/v1/campaigns/{campaign_id}")
        assert campaign["runs"] == []


def test_a_retry_sends_to_the_refused_still_granted_only(tmp_path, fake) -> None:
    with campaign_stack(tmp_path, "embedded", fake, MAILER_BATCH_SIZE="2") as stack:
        _ready(stack, 8)
        campaign_id = create_campaign(stack)
        # A batch of two people is one or two requests (one per locale): the first two are
        # refused (2 to 4 people `failed`), the third taken without an answer (its people's
        # email may have gone: `unknown`).
        fake.fail_next(400, 2)
        fake.drop_next(1)
        first = start_run(stack, campaign_id)
        run = wait_for_run(stack, campaign_id, first)
        states = ledger_of(stack, first)
        failed = sorted(s for s, state in states.items() if state == "failed")
        unknown = sorted(s for s, state in states.items() if state == "unknown")
        assert len(failed) >= 2 and unknown, states
        assert run["counts"]["failed"] == len(failed)
        status, _ = stack.call(
            "PUT",
            f"/v1/subjects/{failed[0]}/consents/newsletters",
            {"status": "withdrawn", "source": "admin"},
        )
        assert status == 200

        status, answer = stack.call("POST", f"/v1/campaigns/{campaign_id}/runs/{first}/retry")
        assert status == 202, answer
        retry = answer["run_id"]
        retried = wait_for_run(stack, campaign_id, retry)

        assert sorted(recipients_of(fake, retry)) == failed[1:]
        assert (retried["trigger"], retried["retry_of"]) == ("retry", first)
        assert retried["counts"]["sent"] == len(failed) - 1
        received = Counter(a.custom_args["subject_id"] for a in fake.accepted())
        assert all(n == 1 for n in received.values()), received
        assert not set(unknown) & set(recipients_of(fake, retry))
        status, again = stack.call("POST", f"/v1/campaigns/{campaign_id}/runs/{first}/retry")
        assert status == 409, again
