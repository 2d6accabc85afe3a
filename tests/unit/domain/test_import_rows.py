"""Import rows on their own: which policy was in effect, and what a row does to a subject."""

from datetime import UTC, datetime

import pytest

from consent_service.domain.consent import ConsentStatus, SubjectConsents
from consent_service.domain.import_rows import (
    PolicyCalendar,
    RowRejected,
    apply_row,
    header_problems,
    parse_row,
)

NOW = datetime(2026, 11, 25, tzinfo=UTC)
CALENDAR = PolicyCalendar(
    [
        ("2026-11-01", datetime(2026, 11, 1, tzinfo=UTC)),
        ("2025-01-01", datetime(2025, 1, 1, tzinfo=UTC)),
    ]
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("version", "moment", "code"),
    [
        ("2025-01-01", "2025-06-01T00:00:00Z", None),
        ("2025-01-01", "2025-01-01T00:00:00Z", None),
        ("2026-11-01", "2026-11-02T00:00:00Z", None),
        ("2025-01-01", "2026-11-02T00:00:00Z", "policy_not_in_effect"),
        ("2026-11-01", "2026-06-01T00:00:00Z", "policy_not_in_effect"),
        ("2025-01-01", "2024-12-31T23:59:59Z", "policy_not_in_effect"),
        ("2020-01-01", "2025-06-01T00:00:00Z", "unknown_policy_version"),
    ],
)
def test_a_version_counts_only_while_it_was_the_policy_in_effect(version, moment, code) -> None:
    problem = CALENDAR.problem(version, at(moment))
    assert (problem.code if problem else None) == code


def test_a_header_needs_the_evidence_columns_and_nothing_unknown() -> None:
    assert (
        header_problems(["email", "purpose", "status", "consented_at", "source", "policy_version"])
        == []
    )
    assert header_problems(None) == ["the file is empty: it needs a header row"]
    problems = header_problems(["email", "email", "purpose", "status", "consented at"])
    assert problems[0] == "missing column(s): consented_at, source, policy_version"
    assert problems[1].startswith("unknown column(s): 'consented at'")
    assert problems[2] == "repeated column(s): email"


def parsed(**overrides: str):
    raw = {
        "email": " Aigul@Example.KG ",
        "purpose": "newsletters",
        "status": "Granted",
        "consented_at": "2026-11-05T10:00:00+06:00",
        "source": "paper_form",
        "policy_version": "2026-11-01",
    } | overrides
    return parse_row(raw, now=NOW, policies=CALENDAR)


def test_a_valid_row_is_normalised_and_carries_its_evidence() -> None:
    row = parsed(ip="2001:db8:1:2::7")
    assert (row.email, row.email_key, row.wants) == ("Aigul@example.kg", "aigul@example.kg", True)
    assert row.consented_at == datetime(2026, 11, 5, 4, tzinfo=UTC)
    assert row.evidence == {
        "method": "paper_form",
        "consented_at": "2026-11-05T04:00:00.000000Z",
        "ip": "2001:db8:1::/48",
    }


def test_every_problem_of_a_row_is_named() -> None:
    with pytest.raises(RowRejected) as rejected:
        parsed(email="x", purpose="lottery", status="yes", source="")
    codes = [r.code for r in rejected.value.rejections]
    assert codes == ["invalid_email", "unknown_purpose", "invalid_status", "missing_evidence"]


def subject(**statuses: str) -> SubjectConsents:
    return SubjectConsents(
        version=len(statuses), statuses={p: ConsentStatus(s) for p, s in statuses.items()}
    )


def test_a_yes_is_granted_at_once_even_for_a_double_opt_in_purpose() -> None:
    consents = subject()
    change = apply_row(consents, {}, parsed())
    assert (change.status, change.version) == (ConsentStatus.GRANTED, 1)


def test_a_row_repeating_the_recorded_status_changes_nothing() -> None:
    consents, decided = subject(newsletters="granted"), {"newsletters": at("2027-01-01T00:00:00Z")}
    assert apply_row(consents, decided, parsed()) is None
    assert consents.changes == []


def test_a_yes_for_a_pending_purpose_leaves_it_to_its_confirmation() -> None:
    assert apply_row(subject(newsletters="pending"), {}, parsed()) is None


def test_a_row_older_than_the_recorded_decision_is_superseded() -> None:
    consents = subject(newsletters="withdrawn")
    decided = {"newsletters": at("2026-11-05T04:00:00Z")}
    with pytest.raises(RowRejected, match="superseded"):
        apply_row(consents, decided, parsed())
    assert consents.statuses["newsletters"] is ConsentStatus.WITHDRAWN


def test_a_newer_row_changes_the_status_and_becomes_the_decision_time() -> None:
    consents = subject(newsletters="withdrawn")
    decided = {"newsletters": at("2026-11-01T00:00:00Z")}
    change = apply_row(consents, decided, parsed())
    assert (change.previous, change.status) == (ConsentStatus.WITHDRAWN, ConsentStatus.GRANTED)
    assert decided["newsletters"] == datetime(2026, 11, 5, 4, tzinfo=UTC)
