"""A run's life in plain Python: batches and leases, pause and cancel, and counts that add up."""

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailer.domain import runs
from mailer.domain.runs import BatchClaim, RunCounts, RunRecord

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RUN = RunRecord(uuid.uuid4(), uuid.uuid4(), "News", "newsletters", "ky", {}, "running")


@pytest.mark.parametrize(
    ("state", "lease_until", "free"),
    [
        ("queued", None, True),
        ("sending", NOW + timedelta(seconds=1), False),
        ("sending", NOW, False),
        ("sending", NOW - timedelta(seconds=1), True),
        ("done", None, False),
        ("done", NOW - timedelta(days=1), False),
    ],
)
def test_a_batch_is_free_when_queued_or_its_holders_lease_ran_out(state, lease_until, free):
    assert runs.is_free(state, lease_until, NOW) is free


@pytest.mark.parametrize("campaign", [None, "running", "paused", "cancelled"])
@pytest.mark.parametrize("status", ["planned", "running", "completed", "cancelled", "failed"])
@pytest.mark.parametrize("sending", [True, False])
def test_batches_are_claimed_to_send_only_when_allowed_and_to_drain_always(
    campaign, status, sending
) -> None:
    drain = status in ("cancelled", "failed")
    send = sending and status == "running" and campaign in (None, "running")
    assert runs.is_claimable(status, campaign, sending=sending) is (drain or send)


def test_only_the_latest_holder_holds_a_batch() -> None:
    claim = BatchClaim(RUN, 0, attempt=2, taken_over=0)
    assert runs.holds("sending", 2, claim)
    assert not runs.holds("sending", 3, claim), "taken over by a later claim"
    assert not runs.holds("queued", 2, claim), "given back"
    assert not runs.holds("done", 2, claim), "closed"


@pytest.mark.parametrize(
    ("status", "campaign", "action"),
    [
        ("running", None, "send"),
        ("running", "running", "send"),
        ("running", "paused", "release"),
        ("cancelled", "cancelled", "drain"),
        ("failed", None, "drain"),
        ("failed", "paused", "drain"),
    ],
)
def test_at_its_check_a_batch_is_sent_given_back_when_paused_or_drained_when_cancelled(
    status, campaign, action
) -> None:
    assert runs.at_check(status, campaign) == action


def test_a_run_arrives_cancelled_only_if_its_campaign_already_is() -> None:
    assert [runs.status_on_arrival(s) for s in (None, "running", "paused", "cancelled")] == [
        "planned",
        "planned",
        "planned",
        "cancelled",
    ]


@given(st.integers(min_value=1), st.one_of(st.none(), st.integers(min_value=0)))
def test_a_campaign_state_is_replaced_only_by_a_higher_version(version, held) -> None:
    assert runs.supersedes(version, held) is (held is None or version > held)


@given(recipients=st.integers(min_value=0, max_value=5000), size=st.integers(1, 1000))
def test_batches_cover_every_recipient_once_none_over_the_size(recipients, size) -> None:
    sizes = Counter(runs.batch_of(position, size) for position in range(recipients))
    assert sorted(sizes) == list(range(runs.batches_for(recipients, size)))
    assert all(count <= size for count in sizes.values())
    assert runs.status_when_planned(len(sizes)) == ("running" if recipients else "completed")


@pytest.mark.parametrize(
    ("status", "still_open", "after"),
    [
        ("running", 1, "running"),
        ("running", 0, "completed"),
        ("cancelled", 0, "cancelled"),
        ("failed", 0, "failed"),
    ],
)
def test_a_run_completes_when_its_last_batch_closes_unless_it_ended_otherwise(
    status, still_open, after
) -> None:
    assert runs.status_after_batch(status, still_open) == after


final_states = st.sampled_from(
    ["sent", "failed", "unknown", "skipped_withdrawn", "skipped_capped", "cancelled"]
)


@given(batches=st.lists(st.lists(final_states, min_size=1, max_size=20), max_size=10))
def test_the_counts_of_closed_batches_add_up_to_the_recipients_less_the_cancelled(
    batches,
) -> None:
    total = RunCounts(recipients=sum(len(batch) for batch in batches))
    for batch in batches:
        total += RunCounts.of_states(Counter(batch))
    counted = sum(value for name, value in total.as_dict().items() if name != "recipients")
    cancelled = sum(batch.count("cancelled") for batch in batches)
    assert counted + cancelled == total.recipients


@pytest.mark.parametrize(
    ("status", "reported_at", "due"),
    [
        ("running", None, True),
        ("running", NOW - timedelta(seconds=1), True),
        ("running", NOW - timedelta(milliseconds=500), False),
        ("completed", NOW, True),
        ("cancelled", NOW, True),
    ],
)
def test_news_is_reported_at_most_once_an_interval_unless_the_run_is_finished(
    status, reported_at, due
) -> None:
    kwargs = {"status": status, "reported_at": reported_at, "now": NOW}
    interval = timedelta(seconds=1)
    assert runs.report_due(sequence=2, reported_sequence=1, interval=interval, **kwargs) is due
    assert not runs.report_due(sequence=1, reported_sequence=1, interval=interval, **kwargs)
