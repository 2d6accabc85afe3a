"""The consent state machine and per-subject version, by example and by property."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.consent import (
    ALLOWED_TRANSITIONS,
    ConsentStatus,
    SubjectConsents,
    wanted_status,
)
from consent_service.domain.errors import InvalidTransition

GRANTED, WITHDRAWN, PENDING = ConsentStatus.GRANTED, ConsentStatus.WITHDRAWN, ConsentStatus.PENDING
PURPOSES = ["newsletters", "promotions", "surveys", "personalization"]


def test_grant_needing_double_opt_in_waits_as_pending() -> None:
    subject = SubjectConsents()
    change = subject.decide("newsletters", True, double_opt_in=True)
    assert change is not None
    assert (change.previous, change.status, change.version) == (None, PENDING, 1)


def test_confirming_the_address_grants_every_pending_purpose() -> None:
    subject = SubjectConsents()
    subject.decide("newsletters", True, double_opt_in=True)
    subject.decide("surveys", True, double_opt_in=True)
    changes = subject.confirm_email()
    assert [(c.purpose, c.status) for c in changes] == [
        ("newsletters", GRANTED),
        ("surveys", GRANTED),
    ]
    assert subject.version == 4


def test_once_the_address_is_confirmed_grants_are_immediate() -> None:
    subject = SubjectConsents(email_confirmed=True)
    change = subject.decide("promotions", True, double_opt_in=True)
    assert change is not None and change.status is GRANTED


def test_a_no_on_a_form_is_recorded_as_withdrawn() -> None:
    change = SubjectConsents().decide("promotions", False, double_opt_in=True)
    assert change is not None and (change.previous, change.status) == (None, WITHDRAWN)


def test_repeating_the_current_decision_changes_nothing_and_keeps_the_version() -> None:
    subject = SubjectConsents()
    subject.decide("personalization", True, double_opt_in=False)
    assert subject.decide("personalization", True, double_opt_in=False) is None
    assert subject.version == 1


def test_withdrawal_of_a_pending_consent() -> None:
    subject = SubjectConsents()
    subject.decide("newsletters", True, double_opt_in=True)
    change = subject.decide("newsletters", False, double_opt_in=True)
    assert change is not None and (change.previous, change.status) == (PENDING, WITHDRAWN)


def test_pending_expiry_withdraws_and_only_pending_can_expire() -> None:
    subject = SubjectConsents()
    subject.decide("newsletters", True, double_opt_in=True)
    assert subject.expire("newsletters").status is WITHDRAWN
    with pytest.raises(InvalidTransition):
        subject.expire("newsletters")


def test_granted_cannot_fall_back_to_pending() -> None:
    subject = SubjectConsents()
    subject.decide("personalization", True, double_opt_in=False)
    with pytest.raises(InvalidTransition):
        subject.transition("personalization", PENDING)


decisions = st.lists(
    st.tuples(st.sampled_from(PURPOSES), st.booleans(), st.booleans(), st.booleans()),
    max_size=40,
)


@given(decisions)
def test_any_sequence_of_decisions_keeps_the_machine_sound(steps: list) -> None:
    """Versions rise by one per change, transitions stay allowed, the last word counts."""
    subject = SubjectConsents()
    last_wish: dict[str, bool] = {}
    for purpose, wants, double_opt_in, confirm in steps:
        before = dict(subject.statuses)
        version_before = subject.version
        change = subject.decide(purpose, wants, double_opt_in=double_opt_in)
        if change is None:
            assert subject.version == version_before
            assert subject.statuses == before
        else:
            assert change.version == version_before + 1
            assert (change.previous, change.status) in ALLOWED_TRANSITIONS
        last_wish[purpose] = wants
        if confirm:
            subject.confirm_email()
        if not wants:
            assert subject.statuses[purpose] is WITHDRAWN
    for purpose, wants in last_wish.items():
        status = subject.statuses[purpose]
        assert (status is WITHDRAWN) == (not wants)
        if status is PENDING:
            assert not subject.email_confirmed
    assert [c.version for c in subject.changes] == list(range(1, subject.version + 1))


@given(st.sampled_from([None, GRANTED, WITHDRAWN, PENDING]), st.booleans(), st.booleans())
def test_wanted_status_never_proposes_a_forbidden_transition(current, wants, confirm) -> None:
    target = wanted_status(current, wants, needs_confirmation=confirm)
    if target is not None:
        assert (current, target) in ALLOWED_TRANSITIONS
