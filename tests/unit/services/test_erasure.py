"""Erasure through the service: what goes, what stays, and which addresses are suppressed."""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.emails import email_key
from consent_service.domain.errors import Conflict, SubjectNotFound
from consent_service.domain.suppression import SuppressionReason, address_hash
from consent_service.services import audit
from consent_service.services.erasure import Erasure, admit_address, erase, refuse_if_erased
from consent_service.services.idempotency import replay_or_run
from consent_service.services.link_emails import LinkEmail, within_cap
from consent_service.services.ports.rights import RightsRequestRow
from consent_service.services.subject_changes import Rectification, rectify
from consent_service.services.suppressions import suppression_reasons
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import record, unique_email

ERASURE = Erasure("admin", "ck-dpo", NOW)


def hashed(email: str) -> bytes:
    return address_hash(SECRET, email_key(email))


def test_every_address_the_person_had_is_suppressed_and_the_kept_hashes_go(
    registry, tables, links
) -> None:
    first, second, current = unique_email(), unique_email(), unique_email()
    view = record(registry, links, {"personalization": True}, email=first)
    for address in (second, current):
        change = Rectification("admin", "ck", NOW)
        rectify(registry, view.subject_id, {"email": address}, change, suppression_keys=(SECRET,))
    assert len(tables.former_addresses[view.subject_id]) == 2
    erase(registry, view.subject_id, ERASURE, SECRET)
    erased = SuppressionReason.ERASED.value
    assert {(hashed(a), erased) for a in (first, second, current)} == set(tables.suppressions)
    assert view.subject_id not in tables.former_addresses


def test_an_address_only_a_stored_answer_still_carries_is_suppressed_too(
    registry, tables, links
) -> None:
    earlier = unique_email()
    view = record(registry, links, {"personalization": True})
    replay_or_run(
        registry,
        api_key_id="k",
        key="retry-1",
        request_hash="h",
        run=lambda: (201, {"email": earlier}, view.subject_id),
        now=NOW,
    )
    erase(registry, view.subject_id, ERASURE, SECRET)
    assert (hashed(earlier), SuppressionReason.ERASED.value) in tables.suppressions
    assert tables.answers == {}


def test_contact_data_consents_and_messages_go_and_only_the_erasure_is_announced(
    registry, tables, links
) -> None:
    view = record(registry, links, {"personalization": True, "surveys": True})
    assert within_cap(registry, view.subject_id, LinkEmail.PREFERENCES, NOW)
    erased = erase(registry, view.subject_id, ERASURE, SECRET)
    stored = tables.subjects[view.subject_id]
    assert (stored.row.email, stored.row.name, stored.email_key) == (None, None, None)
    assert (stored.erased_at, stored.row.version, erased.version) == (NOW, 3, 3)
    assert registry.subject_by_id(view.subject_id) is None
    assert tables.consents.get(view.subject_id) is None
    assert tables.link_emails == []
    [message] = tables.messages()
    assert (message["schema"], message["version"], set(message)) == (
        "subject.erased/1",
        3,
        {"schema", "message_id", "occurred_at", "subject_id", "version"},
    )


def test_the_ledger_keeps_its_entries_without_evidence_and_still_verifies(registry, links) -> None:
    view = record(registry, links, {"personalization": True}, evidence={"form_id": "checkout"})
    erase(registry, view.subject_id, ERASURE, SECRET)
    entries = registry.history(view.subject_id)
    assert [e.record.kind for e in entries] == ["consent", "erasure"]
    assert [(e.evidence, e.evidence_nonce) for e in entries] == [(None, None)] * 2
    assert (entries[-1].record.source, entries[-1].record.actor) == ("admin", "ck-dpo")
    assert audit.verify(registry, [SECRET]).ok


def test_an_open_erasure_request_is_completed(registry, tables, links) -> None:
    view = record(registry, links, {"personalization": True})
    asked = RightsRequestRow(
        uuid.uuid4(), view.subject_id, "erasure", "admin", "open", NOW - timedelta(days=2), None
    )
    registry.rights.add_request(asked)
    erase(registry, view.subject_id, ERASURE, SECRET)
    [request] = tables.rights_requests
    assert (request.id, request.status, request.completed_at) == (asked.id, "closed", NOW)
    assert request.outcome == "fulfilled"


def test_an_erasure_nobody_filed_is_recorded_as_asked_and_answered_at_once(
    registry, tables, links
) -> None:
    view = record(registry, links, {"personalization": True})
    erase(registry, view.subject_id, Erasure("preference_center", "subject", NOW), SECRET)
    [request] = tables.rights_requests
    assert (request.kind, request.source, request.status) == (
        "erasure",
        "preference_center",
        "closed",
    )
    assert request.outcome == "fulfilled"
    assert request.requested_at == request.completed_at == NOW


def test_a_subject_erased_already_is_not_found(registry, links) -> None:
    view = record(registry, links, {"personalization": True})
    erase(registry, view.subject_id, ERASURE, SECRET)
    with pytest.raises(SubjectNotFound):
        erase(registry, view.subject_id, ERASURE, SECRET)


def erased_address(registry, links) -> str:
    email = unique_email()
    view = record(registry, links, {"surveys": True}, email=email)
    erase(registry, view.subject_id, ERASURE, SECRET)
    return email


@pytest.mark.parametrize("source", ["import", "admin"])
def test_no_source_but_the_person_brings_an_erased_address_back(registry, links, source) -> None:
    email = erased_address(registry, links)
    with pytest.raises(Conflict, match="brings no fresh consent"):
        refuse_if_erased(registry, (SECRET,), email, source)


def test_the_person_signing_up_again_takes_the_address_off_the_list(registry, links) -> None:
    email = erased_address(registry, links)
    admit_address(registry, (SECRET,), email, "registration")
    assert suppression_reasons(registry, (SECRET,), email) == set()


def test_an_address_erased_under_a_previous_key_is_still_found(registry, links) -> None:
    email = erased_address(registry, links)
    assert suppression_reasons(registry, ("new-secret", SECRET), email) == {
        SuppressionReason.ERASED
    }


def test_erasure_leaves_no_address_on_requests_of_the_person_or_naming_their_address(
    registry, tables, links
) -> None:
    view = record(registry, links, {"personalization": True})
    email = registry.subject_by_id(view.subject_id).email
    theirs = RightsRequestRow(
        uuid.uuid4(),
        view.subject_id,
        "access",
        "email",
        "open",
        NOW,
        None,
        contact_address="other@example.kg",
    )
    by_address = RightsRequestRow(
        uuid.uuid4(),
        None,
        "objection",
        "letter",
        "open",
        NOW,
        None,
        contact_address=email.upper(),
    )
    someone_else = RightsRequestRow(
        uuid.uuid4(),
        None,
        "access",
        "phone",
        "open",
        NOW,
        None,
        contact_address="stranger@example.kg",
    )
    for row in (theirs, by_address, someone_else):
        registry.rights.add_request(row)

    erase(registry, view.subject_id, ERASURE, SECRET)

    kept = {r.id: r.contact_address for r in tables.rights_requests}
    assert kept[theirs.id] is None
    assert kept[by_address.id] is None
    assert kept[someone_else.id] == "stranger@example.kg"
