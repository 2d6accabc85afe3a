"""Consent records read through the ports (in-memory fakes): the ledger as written by the
consent services, and an erased person has none."""

import pytest

from consent_service.domain.consent import ConsentStatus
from consent_service.domain.errors import SubjectNotFound
from consent_service.services.consent_records import consent_records
from consent_service.services.consents import set_consent
from consent_service.services.erasure import Erasure, erase
from tests.factories import RECORD_CONTEXT
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import context, record


def test_grant_withdrawal_and_regrant_are_three_events_with_the_ledger_hashes(
    registry, links
) -> None:
    view = record(registry, links, {"newsletters": True, "promotions": False})
    for status in (ConsentStatus.WITHDRAWN, ConsentStatus.GRANTED):
        set_consent(
            registry,
            view.subject_id,
            "newsletters",
            status,
            context(source="preference_center", actor="subject"),
            frozenset(),
            links=links,
        )
    newsletters, promotions = consent_records(registry, view.subject_id, RECORD_CONTEXT)
    ledger = {e.record.seq: e.hash for e in registry.history(view.subject_id)}
    events = newsletters["dct:hasPart"]
    assert [e["dpv:hasConsentStatus"]["@id"] for e in events] == [
        "dpv:ConsentGiven",
        "dpv:ConsentWithdrawn",
        "dpv:ConsentGiven",
    ]
    assert [e["ledger:entryHash"] for e in events] == [ledger[e["ledger:sequence"]] for e in events]
    assert newsletters["ledger:entryHash"] == ledger[max(ledger)]
    assert [e["dpv:hasConsentStatus"]["@id"] for e in promotions["dct:hasPart"]] == [
        "dpv:ConsentRefused"
    ]
    assert newsletters["dct:language"] == "ky"


def test_an_erased_person_has_no_records(registry, links) -> None:
    view = record(registry, links, {"newsletters": True})
    erase(registry, view.subject_id, Erasure("admin", "ck-dpo", NOW), SECRET)
    with pytest.raises(SubjectNotFound):
        consent_records(registry, view.subject_id, RECORD_CONTEXT)
