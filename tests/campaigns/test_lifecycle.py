"""Campaign and run lifecycles, and the order in which reports are applied (plain domain)."""

from datetime import UTC, datetime

import pytest

from consent_service.domain.campaigns import (
    Action,
    CampaignConflict,
    CampaignStatus,
    RunCounts,
    RunReport,
    RunState,
    RunStatus,
    apply_report,
    check_can_run,
    is_finished,
    purpose_errors,
    transition,
)

T0 = datetime(2027, 1, 4, 9, tzinfo=UTC)
T1 = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)

ALLOWED = [
    (CampaignStatus.SCHEDULED, Action.PAUSE, CampaignStatus.PAUSED),
    (CampaignStatus.PAUSED, Action.RESUME, CampaignStatus.SCHEDULED),
    (CampaignStatus.SCHEDULED, Action.CANCEL, CampaignStatus.CANCELLED),
    (CampaignStatus.PAUSED, Action.CANCEL, CampaignStatus.CANCELLED),
    (CampaignStatus.DRAFT, Action.CANCEL, CampaignStatus.CANCELLED),
]
REFUSED = [
    (status, action)
    for status in CampaignStatus
    for action in Action
    if (status, action) not in {(s, a) for s, a, _ in ALLOWED}
]


@pytest.mark.parametrize(("status", "action", "after"), ALLOWED)
def test_allowed_lifecycle_moves(status, action, after) -> None:
    assert transition(status, action) is after


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_other_lifecycle_moves_are_conflicts(status, action) -> None:
    with pytest.raises(CampaignConflict, match=status.value):
        transition(status, action)


def test_resuming_a_cancelled_campaign_is_a_conflict() -> None:
    with pytest.raises(CampaignConflict, match="cancelled campaign cannot be resumed"):
        transition(CampaignStatus.CANCELLED, Action.RESUME)


@pytest.mark.parametrize("status", [s for s in CampaignStatus if s is not CampaignStatus.SCHEDULED])
def test_only_a_scheduled_campaign_starts_runs(status) -> None:
    check_can_run(CampaignStatus.SCHEDULED)
    with pytest.raises(CampaignConflict):
        check_can_run(status)


@pytest.mark.parametrize("purpose", ["newsletters", "promotions", "surveys"])
def test_consent_based_email_purposes_may_be_campaigned(purpose) -> None:
    assert purpose_errors(purpose) == []


@pytest.mark.parametrize("purpose", ["personalization", "transactions", "marketing"])
def test_other_purposes_may_not_be_campaigned(purpose) -> None:
    assert purpose_errors(purpose)


def planned() -> RunState:
    return RunState(RunStatus.PLANNED, RunCounts(), 0, None, None, None)


def report(sequence: int, status: RunStatus, sent: int = 0, **times) -> RunReport:
    counts = RunCounts(recipients=10, sent=sent)
    return RunReport(sequence, status, counts, times.get("started"), times.get("finished"))


def test_a_newer_report_is_applied() -> None:
    running = apply_report(planned(), report(1, RunStatus.RUNNING, sent=3, started=T0))
    assert running is not None
    assert (running.status, running.counts.sent, running.started_at) == (RunStatus.RUNNING, 3, T0)
    assert running.report_sequence == 1


@pytest.mark.parametrize("sequence", [1, 2])
def test_a_report_not_newer_than_the_kept_one_is_ignored(sequence) -> None:
    kept = apply_report(planned(), report(2, RunStatus.RUNNING, sent=5))
    assert kept is not None
    assert apply_report(kept, report(sequence, RunStatus.RUNNING, sent=1)) is None


def test_reports_out_of_order_end_at_the_newest() -> None:
    reports = [
        report(3, RunStatus.COMPLETED, sent=10, started=T0, finished=T1),
        report(1, RunStatus.RUNNING, sent=2, started=T0),
        report(2, RunStatus.RUNNING, sent=6, started=T0),
        report(3, RunStatus.COMPLETED, sent=10, started=T0, finished=T1),
    ]
    state = planned()
    for each in reports:
        state = apply_report(state, each) or state
    assert (state.status, state.counts.sent, state.report_sequence) == (RunStatus.COMPLETED, 10, 3)
    assert (state.started_at, state.finished_at) == (T0, T1)


@pytest.mark.parametrize("ended", [RunStatus.COMPLETED, RunStatus.CANCELLED, RunStatus.FAILED])
def test_an_ended_run_keeps_its_status_but_takes_newer_counts(ended) -> None:
    state = RunState(ended, RunCounts(recipients=10, sent=4), 1, T0, T1, None)
    after = apply_report(state, report(2, RunStatus.RUNNING, sent=7))
    assert after is not None
    assert after.status is ended
    assert after.counts.sent == 7
    assert after.finished_at == T1


def test_a_campaign_is_finished_only_when_scheduled_with_nothing_left() -> None:
    assert is_finished(CampaignStatus.SCHEDULED, None, 0)
    assert not is_finished(CampaignStatus.SCHEDULED, T0, 0)
    assert not is_finished(CampaignStatus.SCHEDULED, None, 1)
    assert not is_finished(CampaignStatus.PAUSED, None, 0)
    assert not is_finished(CampaignStatus.CANCELLED, None, 0)
