"""Guarantees 1 (only the opted-in) and 4 (at most once) for campaigns, proved by causing
the situations: withdrawals racing a throttled run, a worker killed mid-run, two workers on
one run, SendGrid answering 429 and 500, and pause, resume and cancel mid-run.

Real processes (`consent serve`, `consent relay`, `mailer work`), the fake SendGrid server
checking every request's shape, on PostgreSQL with RabbitMQ and on the embedded defaults.
"""

import random
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from plumbing.tokens import LinkSigner, unsubscribe_url
from tests.campaign_stack import (
    SECRET,
    batch_checks,
    campaign_stack,
    counts_add_up,
    create_campaign,
    mailer_run,
    recipients_of,
    registry_run,
    seed_subscribers,
    sent_so_far,
    start_run,
    timestamp,
    wait_for_run,
    wait_for_view,
)
from tests.fake_sendgrid import FakeSendGrid
from tests.stack import Stack, wait_until

KINDS = ["embedded", pytest.param("rabbitmq", marks=pytest.mark.postgres)]


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as server:
        yield server


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def _broker(request: pytest.FixtureRequest, kind: str) -> dict[str, str]:
    if kind == "embedded":
        return {}
    return {"BROKER_URL": request.getfixturevalue("rabbitmq_url")}


def _ready(stack: Stack, subscribers: int, *mailers: str) -> list[str]:
    """API up, `subscribers` seeded, relay and the named mailers running with a full view."""
    stack.start("api")
    subjects = seed_subscribers(stack, subscribers)
    stack.start("relay")
    for name in mailers or ("mailer",):
        stack.start("mailer", name)
    wait_for_view(stack, subscribers)
    return subjects


def _assert_each_once(fake: FakeSendGrid, run_id: str, run: dict) -> None:
    """Nobody twice; everyone counted `sent` received it; only `unknown` ones may have too."""
    received = Counter(recipients_of(fake, run_id))
    repeated = {subject: n for subject, n in received.items() if n > 1}
    assert not repeated, f"{len(repeated)} recipients got the run more than once"
    assert fake.stats()["duplicates"] == 0
    counts = run["counts"]
    assert counts["sent"] <= len(received) <= counts["sent"] + counts["unknown"]
    assert counts_add_up(run), run


def one_click(stack: Stack, subject_id: str) -> None:
    """What a mail client does with List-Unsubscribe-Post (RFC 8058)."""
    token = LinkSigner(SECRET).unsubscribe_token(uuid.UUID(subject_id), "newsletters")
    request = urllib.request.Request(
        unsubscribe_url(stack.base, token),
        data=b"List-Unsubscribe=One-Click",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert 200 <= response.status < 300


def withdraw(stack: Stack, subject_id: str, how: str) -> datetime:
    """Withdraw newsletters by the API or by one click; when the 2xx answer arrived."""
    if how == "one_click":
        one_click(stack, subject_id)
    else:
        body = {"status": "withdrawn", "source": "preference_center"}
        status, answer = stack.call("PUT", f"/v1/subjects/{subject_id}/consents/newsletters", body)
        assert status == 200, answer
    return timestamp()


def test_withdrawals_answered_before_a_batch_check_are_honoured(
    request, tmp_path, fake, kind
) -> None:
    # 150 emails a second: the run lasts over a minute, long enough for 3,000 withdrawals by
    # four clients to overlap it on a busy two-core machine (the race is the point, not speed).
    settings = {"MAILER_BATCH_SIZE": "100", "MAILER_SEND_RATE": "150", **_broker(request, kind)}
    with campaign_stack(tmp_path, kind, fake, **settings) as stack:
        subjects = _ready(stack, 10_000)
        campaign_id = create_campaign(stack)
        run_id = start_run(stack, campaign_id)
        assert wait_until(lambda: sent_so_far(fake) > 0, 60, 0.05), "the run never started"

        rng = random.Random(4)
        leaving = rng.sample(subjects, 3_000)
        ways = ["api", "one_click"] * 1_500
        with ThreadPoolExecutor(4) as pool:
            answered = dict(
                zip(
                    leaving,
                    pool.map(lambda s, w: withdraw(stack, s, w), leaving, ways),
                    strict=True,
                )
            )
        assert sent_so_far(fake) < 10_000 - 1_000, "the run ended before the withdrawals raced it"

        run = wait_for_run(stack, campaign_id, run_id)
        checked = batch_checks(stack, run_id)
        received = set(recipients_of(fake, run_id))
        late = [s for s in leaving if s in received and answered[s] < checked[s]]
        assert not late, f"{len(late)} got the email though they withdrew before its check"
        assert run["status"] == "completed"
        assert run["counts"]["recipients"] == 10_000
        assert run["counts"]["skipped_withdrawn"] >= 1_000
        assert run["counts"] == {
            k: v for k, v in mailer_run(stack, run_id).items() if k != "status"
        }
        assert not (received - set(subjects)), "someone outside the run was emailed"
        _assert_each_once(fake, run_id, run)


def test_a_mailer_killed_mid_run_sends_no_one_twice_and_the_run_completes(
    request, tmp_path, fake, kind
) -> None:
    settings = {
        "MAILER_BATCH_SIZE": "50",
        "MAILER_SEND_RATE": "400",
        "MAILER_BATCH_LEASE_SECONDS": "3",
        **_broker(request, kind),
    }
    with campaign_stack(tmp_path, kind, fake, **settings) as stack:
        _ready(stack, 1_500)
        campaign_id = create_campaign(stack)
        run_id = start_run(stack, campaign_id)
        assert wait_until(lambda: 200 <= sent_so_far(fake) < 1_000, 60, 0.01)
        stack.kill("mailer")
        stack.start("mailer")

        run = wait_for_run(stack, campaign_id, run_id)
        assert run["status"] == "completed"
        assert run["counts"]["recipients"] == 1_500
        assert run["counts"]["unknown"] <= 50, "more than the batch in hand became unknown"
        _assert_each_once(fake, run_id, run)


def test_two_mailers_share_a_run_and_email_everyone_once(request, tmp_path, fake, kind) -> None:
    # Each worker's throttle leaves it waiting between batches, time the other one uses.
    settings = {"MAILER_BATCH_SIZE": "50", "MAILER_SEND_RATE": "500", **_broker(request, kind)}
    with campaign_stack(tmp_path, kind, fake, **settings) as stack:
        _ready(stack, 2_000, "mailer-a", "mailer-b")
        campaign_id = create_campaign(stack)
        run_id = start_run(stack, campaign_id)

        run = wait_for_run(stack, campaign_id, run_id)
        assert run["status"] == "completed"
        assert run["counts"]["sent"] == 2_000
        _assert_each_once(fake, run_id, run)
        logs = {name: (tmp_path / f"{name}.log").read_text() for name in ("mailer-a", "mailer-b")}
        assert all('"batch_sent"' in log for log in logs.values()), "one worker did everything"


def test_sendgrid_answering_429_and_500_for_a_while_delays_but_duplicates_nothing(
    request, tmp_path, fake, kind
) -> None:
    settings = {"MAILER_BATCH_SIZE": "100", **_broker(request, kind)}
    with campaign_stack(tmp_path, kind, fake, **settings) as stack:
        _ready(stack, 1_000)
        fake.fail_next(429, 3, retry_after=1)
        fake.fail_next(500, 3)
        campaign_id = create_campaign(stack)
        run_id = start_run(stack, campaign_id)

        run = wait_for_run(stack, campaign_id, run_id)
        assert run["status"] == "completed"
        assert run["counts"]["sent"] == 1_000
        statuses = fake.stats()["statuses"]
        assert (statuses.get("429"), statuses.get("500")) == (3, 3)
        _assert_each_once(fake, run_id, run)


def test_pause_resume_and_cancel_in_the_middle_of_runs(request, tmp_path, fake, kind) -> None:
    settings = {"MAILER_BATCH_SIZE": "50", "MAILER_SEND_RATE": "150", **_broker(request, kind)}
    with campaign_stack(tmp_path, kind, fake, **settings) as stack:
        _ready(stack, 1_000)
        campaign_id = create_campaign(stack)
        run_id = start_run(stack, campaign_id)
        assert wait_until(lambda: sent_so_far(fake) >= 100, 60, 0.01)

        status, paused = stack.call("POST", f"/v1/campaigns/{campaign_id}/pause")
        assert (status, paused["status"]) == (200, "paused")
        assert wait_until(lambda: _stable(fake), 30), "sending did not stop after the pause"
        held = sent_so_far(fake)
        assert held < 1_000
        assert registry_run(stack, campaign_id, run_id)["status"] == "running"

        status, resumed = stack.call("POST", f"/v1/campaigns/{campaign_id}/resume")
        assert (status, resumed["status"]) == (200, "scheduled")
        run = wait_for_run(stack, campaign_id, run_id)
        assert (run["status"], run["counts"]["sent"]) == ("completed", 1_000)
        _assert_each_once(fake, run_id, run)

        second = start_run(stack, campaign_id)
        assert wait_until(lambda: len(recipients_of(fake, second)) >= 100, 60, 0.01)
        status, cancelled = stack.call("POST", f"/v1/campaigns/{campaign_id}/cancel")
        assert (status, cancelled["status"]) == (200, "cancelled")
        run = wait_for_run(stack, campaign_id, second)
        assert run["status"] == "cancelled"
        assert wait_until(lambda: _stable(fake), 30)
        assert len(recipients_of(fake, second)) < 1_000
        assert len(set(recipients_of(fake, second))) == len(recipients_of(fake, second))


def _stable(fake: FakeSendGrid, seconds: float = 1.5) -> bool:
    """Nothing more reached the fake SendGrid for `seconds` (a batch in hand may finish)."""
    before = sent_so_far(fake)
    time.sleep(seconds)
    return sent_so_far(fake) == before
