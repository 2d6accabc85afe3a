"""Rectification through the service: what a change of a person's own data writes, and the
rules of a new address (unconfirmed, free, deliverable, confirmation asked again)."""

from datetime import timedelta

import pytest

from consent_service.domain.emails import email_key
from consent_service.domain.errors import Conflict, DomainError
from consent_service.domain.suppression import SuppressionReason, address_hash
from consent_service.services.consents import confirm_email
from consent_service.services.subject_changes import (
    Rectification,
    email_changed_since,
    rectify,
)
from consent_service.services.suppressions import suppress, suppression_reasons
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import context, record, unique_email

DOUBLE_OPT_IN = frozenset({"newsletters", "promotions", "surveys"})
LATER = NOW + timedelta(minutes=5)
BY_ADMIN = Rectification("admin", "ck-test", LATER)


def test_a_change_is_stored_proved_and_announced_at_the_next_version(
    registry, tables, links
) -> None:
    view = record(registry, links, {"personalization": True})
    changed = rectify(registry, view.subject_id, {"name": "Aigul", "locale": "ru"}, BY_ADMIN)
    assert changed == ["locale", "name"]
    subject = registry.subject_by_id(view.subject_id)
    assert (subject.name, subject.locale, subject.version) == ("Aigul", "ru", 2)
    entry = registry.history(view.subject_id)[-1]
    assert (entry.record.kind, entry.record.purpose, entry.record.seq) == ("subject", None, 2)
    assert entry.evidence == {"changed": "locale,name"}
    message = tables.messages(view.subject_id)[-1]
    assert (message["schema"], message["version"], message["changed"]) == (
        "subject.updated/1",
        2,
        ["locale", "name"],
    )
    assert (message["name"], message["locale"]) == ("Aigul", "ru")


def test_what_equals_the_stored_data_writes_nothing(registry, tables, links) -> None:
    view = record(registry, links, {"personalization": True})
    subject = view.subject
    before = (len(tables.ledger), len(tables.outbox))
    wanted = {"locale": subject.locale, "email": subject.email.replace("example.kg", "Example.KG")}
    assert rectify(registry, view.subject_id, wanted, BY_ADMIN) == []
    assert (len(tables.ledger), len(tables.outbox)) == before


@pytest.mark.parametrize(
    ("wanted", "field"),
    [({"locale": "fr"}, "locale"), ({"version": "9"}, "version"), ({"email": "nobody"}, "email")],
)
def test_a_value_the_rules_refuse_writes_nothing(registry, tables, links, wanted, field) -> None:
    view = record(registry, links, {"personalization": True})
    before = (len(tables.ledger), len(tables.outbox))
    with pytest.raises(DomainError) as refused:
        rectify(registry, view.subject_id, wanted, BY_ADMIN, suppression_keys=(SECRET,))
    assert refused.value.field == field
    assert (len(tables.ledger), len(tables.outbox)) == before


def test_a_new_address_is_unproven_and_the_old_one_is_kept_only_as_a_keyed_hash(
    registry, tables, links
) -> None:
    old, new = unique_email(), unique_email()
    view = record(registry, links, {"newsletters": True}, email=old, double_opt_in=DOUBLE_OPT_IN)
    confirm_email(registry, view.subject_id, context(source="double_opt_in"))
    rectify(registry, view.subject_id, {"email": new}, BY_ADMIN, suppression_keys=(SECRET,))
    subject = registry.subject_by_id(view.subject_id)
    assert (subject.email, subject.email_confirmed_at) == (new, None)
    assert registry.subject_by_email_key(email_key(new)).id == view.subject_id
    assert registry.subject_by_email_key(email_key(old)) is None
    assert tables.former_addresses[view.subject_id] == {address_hash(SECRET, email_key(old))}


def test_what_waits_for_confirmation_is_asked_again_at_the_new_address(
    registry, tables, links
) -> None:
    view = record(registry, links, {"newsletters": True}, double_opt_in=DOUBLE_OPT_IN)
    new = unique_email()
    rectify(
        registry,
        view.subject_id,
        {"email": new},
        BY_ADMIN,
        suppression_keys=(SECRET,),
        links=links,
    )
    updated, request = tables.messages(view.subject_id)[-2:]
    assert (updated["schema"], request["schema"]) == (
        "subject.updated/1",
        "optin.confirmation_requested/1",
    )
    assert (request["email"], request["purposes"], request["version"]) == (new, ["newsletters"], 2)
    evidence = registry.history(view.subject_id)[-1].evidence
    assert set(evidence) == {"changed", "confirm_link"}


def test_a_new_address_with_purposes_to_confirm_needs_the_link_minter(registry, links) -> None:
    view = record(registry, links, {"newsletters": True}, double_opt_in=DOUBLE_OPT_IN)
    with pytest.raises(RuntimeError, match="no confirmation link"):
        rectify(
            registry,
            view.subject_id,
            {"email": unique_email()},
            BY_ADMIN,
            suppression_keys=(SECRET,),
        )


def test_an_address_another_subject_holds_is_refused(registry, links) -> None:
    taken = unique_email()
    record(registry, links, {"personalization": True}, email=taken)
    view = record(registry, links, {"personalization": True})
    with pytest.raises(Conflict, match="Another subject"):
        rectify(registry, view.subject_id, {"email": taken}, BY_ADMIN, suppression_keys=(SECRET,))


@pytest.mark.parametrize(
    "reason", [SuppressionReason.HARD_BOUNCE, SuppressionReason.INVALID_ADDRESS]
)
def test_an_address_mail_cannot_reach_is_refused(registry, links, reason) -> None:
    bouncing = unique_email()
    suppress(registry, SECRET, bouncing, reason, NOW)
    view = record(registry, links, {"personalization": True})
    with pytest.raises(Conflict, match=reason.value):
        rectify(
            registry, view.subject_id, {"email": bouncing}, BY_ADMIN, suppression_keys=(SECRET,)
        )


def test_an_address_whose_earlier_holder_was_erased_is_taken_off_the_list(registry, links) -> None:
    address = unique_email()
    suppress(registry, SECRET, address, SuppressionReason.ERASED, NOW)
    view = record(registry, links, {"personalization": True})
    rectify(registry, view.subject_id, {"email": address}, BY_ADMIN, suppression_keys=(SECRET,))
    assert suppression_reasons(registry, (SECRET,), address) == set()


def test_a_change_of_address_needs_the_suppression_keys(registry, links) -> None:
    view = record(registry, links, {"personalization": True})
    with pytest.raises(RuntimeError, match="suppression list"):
        rectify(registry, view.subject_id, {"email": unique_email()}, BY_ADMIN)


def test_a_link_issued_before_a_change_of_address_proves_nothing_after_it(registry, links) -> None:
    view = record(registry, links, {"personalization": True})
    assert not email_changed_since(registry, view.subject_id, NOW)
    rectify(registry, view.subject_id, {"locale": "ru"}, BY_ADMIN)
    assert not email_changed_since(registry, view.subject_id, NOW)
    rectify(
        registry, view.subject_id, {"email": unique_email()}, BY_ADMIN, suppression_keys=(SECRET,)
    )
    assert email_changed_since(registry, view.subject_id, NOW)
    assert email_changed_since(registry, view.subject_id, LATER)
    assert not email_changed_since(registry, view.subject_id, LATER + timedelta(seconds=1))
