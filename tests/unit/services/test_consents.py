"""Recording decisions through the service: the consent state machine, double opt-in, and
what each change writes (state, ledger entry, message), on the in-memory repository."""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.consent import ConsentStatus
from consent_service.domain.errors import (
    Conflict,
    DomainError,
    NotWithdrawable,
    SubjectNotFound,
    UnknownPolicyVersion,
    UnknownPurpose,
)
from consent_service.domain.ledger import StoredEntry
from consent_service.services import audit
from consent_service.services.consents import (
    Decisions,
    change_context,
    confirm_email,
    record_decisions,
    set_consent,
)
from consent_service.services.erasure import Erasure, erase
from tests.unit.services.conftest import NOW, POLICY, SECRET
from tests.unit.services.factories import context, record, statuses, unique_email

DOUBLE_OPT_IN = frozenset({"newsletters", "promotions", "surveys"})


def kinds_and_statuses(entries: list[StoredEntry]) -> list[tuple[str, str | None, str | None]]:
    return [(e.record.kind, e.record.purpose, e.record.status) for e in entries]


def test_a_first_decision_creates_the_subject_at_the_version_of_its_last_change(
    registry, tables, links
) -> None:
    view = record(registry, links, {"personalization": True, "promotions": False})
    subject = registry.subject_by_id(view.subject_id)
    assert subject is not None and subject.version == 2
    assert statuses(registry, subject.id) == {
        "personalization": "granted",
        "promotions": "withdrawn",
    }
    history = registry.history(subject.id)
    assert [e.record.seq for e in history] == [1, 2]
    assert kinds_and_statuses(history) == [
        ("consent", "personalization", "granted"),
        ("consent", "promotions", "withdrawn"),
    ]
    assert [(m["schema"], m["purpose"], m["version"]) for m in tables.messages(subject.id)] == [
        ("consent.changed/1", "personalization", 1),
        ("consent.changed/1", "promotions", 2),
    ]


def test_a_no_to_a_purpose_never_asked_is_recorded_as_a_refusal(registry, links) -> None:
    view = record(registry, links, {"surveys": False})
    [entry] = registry.history(view.subject_id)
    assert (entry.record.previous_status, entry.record.status) == (None, "withdrawn")


def test_the_same_decision_again_writes_nothing(registry, tables, links) -> None:
    email = unique_email()
    record(registry, links, {"personalization": True}, email=email)
    before = (len(tables.ledger), len(tables.outbox))
    view = record(registry, links, {"personalization": True}, email=email)
    assert view.subject.version == 1
    assert (len(tables.ledger), len(tables.outbox)) == before


def test_every_writer_chains_entries_that_the_audit_verifies(registry, links) -> None:
    view = record(registry, links, {"newsletters": True}, double_opt_in=DOUBLE_OPT_IN)
    confirm_email(registry, view.subject_id, context(source="double_opt_in"))
    set_consent(
        registry,
        view.subject_id,
        "newsletters",
        ConsentStatus.WITHDRAWN,
        context(),
        frozenset(),
        links=None,
    )
    erase(registry, view.subject_id, Erasure("admin", "ck-test", NOW), SECRET)
    report = audit.verify(registry, [SECRET])
    assert (report.ok, report.entries, report.subjects) == (True, 4, 1)


def test_a_grant_needing_double_opt_in_waits_and_asks_for_one_confirmation_email(
    registry, tables, links
) -> None:
    view = record(
        registry,
        links,
        {"newsletters": True, "promotions": True, "personalization": True},
        double_opt_in=DOUBLE_OPT_IN,
    )
    assert statuses(registry, view.subject_id) == {
        "newsletters": "pending",
        "promotions": "pending",
        "personalization": "granted",
    }
    [request] = [m for m in tables.messages() if m["schema"] == "optin.confirmation_requested/1"]
    assert request["purposes"] == ["newsletters", "promotions"]
    assert request["version"] == 3
    assert request["confirm_url"].startswith("https://shop.example.kg/confirm/")


def test_the_confirmation_email_names_every_purpose_still_pending(registry, tables, links) -> None:
    email = unique_email()
    record(registry, links, {"newsletters": True}, email=email, double_opt_in=DOUBLE_OPT_IN)
    record(registry, links, {"surveys": True}, email=email, double_opt_in=DOUBLE_OPT_IN)
    requests = [m for m in tables.messages() if m["schema"] == "optin.confirmation_requested/1"]
    assert [r["purposes"] for r in requests] == [["newsletters"], ["newsletters", "surveys"]]


def test_confirming_the_address_grants_every_pending_purpose_and_proves_the_address(
    registry, links
) -> None:
    view = record(
        registry, links, {"newsletters": True, "surveys": True}, double_opt_in=DOUBLE_OPT_IN
    )
    confirmed = confirm_email(registry, view.subject_id, context(source="double_opt_in"))
    assert {p: row.status for p, row in confirmed.consents.items()} == {
        "newsletters": "granted",
        "surveys": "granted",
    }
    assert confirmed.subject.email_confirmed_at == NOW
    assert registry.subject_by_id(view.subject_id).email_confirmed_at == NOW


def test_once_the_address_is_proven_a_later_grant_is_immediate(registry, links) -> None:
    email = unique_email()
    view = record(registry, links, {"newsletters": True}, email=email, double_opt_in=DOUBLE_OPT_IN)
    confirm_email(registry, view.subject_id, context(source="double_opt_in"))
    later = record(registry, links, {"promotions": True}, email=email, double_opt_in=DOUBLE_OPT_IN)
    assert later.consents["promotions"].status == "granted"


def test_a_public_form_waits_for_the_link_even_when_the_address_was_proven(registry, links) -> None:
    email = unique_email()
    view = record(registry, links, {"newsletters": True}, email=email, double_opt_in=DOUBLE_OPT_IN)
    confirm_email(registry, view.subject_id, context(source="double_opt_in"))
    later = record(
        registry,
        links,
        {"promotions": True},
        email=email,
        double_opt_in=DOUBLE_OPT_IN,
        address_proven=False,
    )
    assert later.consents["promotions"].status == "pending"


def test_withdrawing_one_purpose_raises_the_version_and_announces_it(
    registry, tables, links
) -> None:
    view = record(registry, links, {"personalization": True, "surveys": True})
    after = set_consent(
        registry,
        view.subject_id,
        "surveys",
        ConsentStatus.WITHDRAWN,
        context(),
        frozenset(),
        links=None,
    )
    assert (after.subject.version, after.consents["surveys"].status) == (3, "withdrawn")
    last = tables.messages(view.subject_id)[-1]
    assert (last["purpose"], last["status"], last["previous_status"], last["version"]) == (
        "surveys",
        "withdrawn",
        "granted",
        3,
    )


def test_a_grant_that_may_wait_for_confirmation_needs_the_link_minter(registry, links) -> None:
    view = record(registry, links, {"personalization": True})
    with pytest.raises(RuntimeError, match="no confirmation link"):
        set_consent(
            registry,
            view.subject_id,
            "newsletters",
            ConsentStatus.GRANTED,
            context(),
            DOUBLE_OPT_IN,
            links=None,
        )


@pytest.mark.parametrize(
    ("purpose", "status", "refusal"),
    [
        ("newsletters", ConsentStatus.PENDING, DomainError),
        ("horoscopes", ConsentStatus.GRANTED, UnknownPurpose),
        ("transactions", ConsentStatus.WITHDRAWN, NotWithdrawable),
    ],
)
def test_a_direct_change_the_rules_refuse_writes_nothing(
    registry, tables, links, purpose, status, refusal
) -> None:
    view = record(registry, links, {"personalization": True})
    before = (len(tables.ledger), len(tables.outbox), statuses(registry, view.subject_id))
    with pytest.raises(refusal):
        set_consent(registry, view.subject_id, purpose, status, context(), frozenset(), links=links)
    assert (len(tables.ledger), len(tables.outbox), statuses(registry, view.subject_id)) == before


def test_a_change_for_an_unknown_subject_is_refused(registry, links) -> None:
    with pytest.raises(SubjectNotFound):
        set_consent(
            registry,
            uuid.uuid4(),
            "surveys",
            ConsentStatus.GRANTED,
            context(),
            frozenset(),
            links=links,
        )


def test_a_form_naming_no_purpose_is_refused(registry, links) -> None:
    with pytest.raises(DomainError, match="at least one purpose"):
        record(registry, links, {})


def test_a_change_is_bound_to_the_policy_in_effect_and_refuses_one_not_yet_in_effect(
    registry, tables
) -> None:
    tables.policies["2027-01-01"] = (NOW + timedelta(days=30), {"ky": "Жаңы"})
    current = change_context(registry, source="admin", actor="ck-test", now=NOW)
    assert current.policy_version == POLICY
    with pytest.raises(UnknownPolicyVersion, match="not in effect yet"):
        change_context(
            registry, source="admin", actor="ck-test", now=NOW, policy_version="2027-01-01"
        )


def test_evidence_is_cleaned_before_it_is_kept(registry, links) -> None:
    shown = {"ip": "203.0.113.77", "user_agent": "Firefox", "favourite_colour": "blue"}
    view = record(registry, links, {"personalization": True}, evidence=shown)
    [entry] = registry.history(view.subject_id)
    assert entry.evidence == {"ip": "203.0.113.0/24", "user_agent": "Firefox"}


def test_an_erased_address_comes_back_only_through_a_form(registry, links) -> None:
    email = unique_email()
    gone = record(registry, links, {"personalization": True}, email=email)
    erase(registry, gone.subject_id, Erasure("admin", "ck-test", NOW), SECRET)
    with pytest.raises(Conflict, match="suppression list"):
        record(registry, links, {"personalization": True}, email=email, source="import")
    again = record(
        registry, links, {"personalization": True}, email=email, source="newsletter_form"
    )
    assert again.subject_id != gone.subject_id
    record(registry, links, {"surveys": False}, email=unique_email(), source="import")


def test_two_first_decisions_for_one_address_make_one_subject(registry, links) -> None:
    decisions = Decisions(
        email="Aigul@Example.KG", purposes={"personalization": True}, source="order", actor="ck"
    )
    arguments = {
        "default_locale": "ru",
        "double_opt_in": frozenset(),
        "now": NOW,
        "links": links,
        "suppression_keys": (SECRET,),
    }
    first, created = record_decisions(registry, decisions, **arguments)
    again, created_again = record_decisions(
        registry, Decisions("aigul@example.kg", {"surveys": True}, "order", "ck"), **arguments
    )
    assert (created, created_again, again.subject_id) == (True, False, first.subject_id)
    assert first.subject.locale == "ru"
