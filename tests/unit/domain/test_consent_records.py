"""ISO/IEC TS 27560 records built from ledger entries: the fields the standard makes
mandatory, the DPV statuses, stable ids, and nothing the ledger cannot show.

The DPVCG publishes no JSON Schema for its 27560 profile (decision 0037), so the fields are
checked one by one against the standard's list as the DPVCG guide maps it to DPV terms.
"""

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
import rdflib

from consent_service.domain.consent_records import (
    CONTEXT,
    DPV_PURPOSE,
    PROFILE,
    build_records,
    consent_status,
    record_id,
)
from consent_service.domain.purposes import CONSENT_PURPOSES
from tests.factories import RECORD_CONTEXT
from tests.linked_data import DCT, DPV, triples_of

SUBJECT = uuid.UUID("8d0f3c4e-1b7a-4c1e-9a55-0f6a2d9b1c11")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Entry:
    version: int
    purpose: str | None
    status: str | None
    previous_status: str | None
    source: str = "registration"
    actor: str = "ck-shop"
    policy_version: str | None = "2026-11-01"
    kind: str = "consent"

    @property
    def recorded_at(self) -> datetime:
        return T0 + timedelta(days=self.version)

    @property
    def hash(self) -> str:
        return f"{self.version:064x}"


GRANT_WITHDRAW_REGRANT = [
    Entry(1, "newsletters", "granted", None),
    Entry(2, "newsletters", "withdrawn", "granted", "one_click", "subject"),
    Entry(3, "newsletters", "granted", "withdrawn", "preference_center", "subject", "2026-12-01"),
]


def records(entries, locale: str = "ky") -> list[dict]:
    return build_records(SUBJECT, locale, entries, RECORD_CONTEXT)


def test_one_record_per_purpose_with_a_consent_history_ordered_by_purpose() -> None:
    entries = [
        Entry(1, "promotions", "withdrawn", None),
        Entry(2, "newsletters", "pending", None),
        Entry(3, None, None, None, kind="rectification"),
        Entry(4, "newsletters", "granted", "pending", "double_opt_in", "subject"),
    ]
    built = records(entries)
    assert [r["dpv:hasPurpose"]["dct:identifier"] for r in built] == ["newsletters", "promotions"]
    assert [e["ledger:sequence"] for e in built[0]["dct:hasPart"]] == [2, 4]


def test_the_mandatory_27560_fields_are_all_present_and_filled() -> None:
    """Header, processing, party and event fields the standard makes mandatory, each under
    the DPV term the DPVCG guide maps it to (decision 0037 lists them)."""
    [record] = records(GRANT_WITHDRAW_REGRANT)
    header = {
        "schema version": record["dct:conformsTo"] == {"@id": PROFILE},
        "record id": uuid.UUID(record["dct:identifier"]) == record_id(SUBJECT, "newsletters"),
        "pii principal id": record["dpv:hasDataSubject"]["dct:identifier"] == str(SUBJECT),
    }
    processing = {
        "privacy notice": [n["dct:hasVersion"] for n in record["dpv:hasNotice"]]
        == ["2026-11-01", "2026-12-01"],
        "language": record["dct:language"] == "ky",
        "purpose": record["dpv:hasPurpose"]["@type"] == ["dpv:Purpose", "dpv:DirectMarketing"],
        "lawful basis": record["dpv:hasLegalBasis"] == {"@id": "dpv:Consent"},
        "pii information": {"@id": "pd:EmailAddress"} in record["dpv:hasPersonalData"],
        "pii controllers": record["dpv:hasDataController"]["dpv:hasName"] == "Shop LLC",
        "collection method": [s["dct:identifier"] for s in record["dpv:hasDataSource"]]
        == ["registration", "preference_center"],
        "storage locations": record["dpv:hasStorageCondition"]["dpv:hasLocation"]
        == {"@id": "loc:KG"},
        "retention period": record["dpv:hasStorageCondition"]["dpv:hasDuration"]
        == {"@value": "P730D", "@type": "xsd:duration"},
        "jurisdiction": record["dpv:hasJurisdiction"] == {"@id": "loc:KG"},
        "recipient third parties": record["dpv:hasRecipient"] == [],
        "withdrawal method": [c["dct:identifier"] for c in record["dpv:hasConsentControl"]]
        == ["preference_center", "one_click"],
        "authority party": record["dpv:hasAuthority"]["@type"] == ["dpv:DataProtectionAuthority"],
    }
    controller = record["dpv:hasDataController"]
    parties = {
        "party id": controller["@id"] == "https://shop.example.kg/#controller",
        "party name": controller["dpv:hasName"] == "Shop LLC",
        "party address": controller["dpv:hasAddress"] == "1 Chui Avenue, Bishkek",
        "party contact": controller["dpv:hasContact"][0] == "dpo@example.kg",
        "party type": "dpv:DataController" in controller["@type"],
    }
    assert {k for k, ok in (header | processing | parties).items() if not ok} == set()
    for event in record["dct:hasPart"]:
        assert set(event) >= {
            "dct:date",  # event time
            "dct:valid",  # validity duration
            "dpv:isImplementedByEntity",  # entity id
            "dpv:hasLegalBasis",  # event type
            "dpv:hasConsentStatus",  # event state
        }


def test_events_follow_the_ledger_with_times_actors_states_and_hashes() -> None:
    [record] = records(GRANT_WITHDRAW_REGRANT)
    events = record["dct:hasPart"]
    assert [e["dpv:hasConsentStatus"]["@id"] for e in events] == [
        "dpv:ConsentGiven",
        "dpv:ConsentWithdrawn",
        "dpv:ConsentGiven",
    ]
    assert [e["dct:date"]["@value"] for e in events] == [
        "2026-11-21T09:00:00.000000Z",
        "2026-11-22T09:00:00.000000Z",
        "2026-11-23T09:00:00.000000Z",
    ]
    assert [e["ledger:entryHash"] for e in events] == [e.hash for e in GRANT_WITHDRAW_REGRANT]
    assert events[0]["dpv:isImplementedByEntity"] == {
        "@type": "dpv:DataController",
        "dct:identifier": "ck-shop",
    }
    assert events[1]["dpv:isImplementedByEntity"] == {
        "@id": f"urn:uuid:{SUBJECT}",
        "dct:identifier": "subject",
    }
    assert events[1]["dpv:hasIndicationMethod"].startswith("one-click unsubscribe")
    assert [e["dct:valid"] for e in events] == [
        "until withdrawn",
        {"@value": "P0D", "@type": "xsd:duration"},
        "until withdrawn",
    ]
    assert record["dpv:hasConsentStatus"] == {"@id": "dpv:ConsentGiven"}
    assert record["ledger:entryHash"] == GRANT_WITHDRAW_REGRANT[-1].hash


@pytest.mark.parametrize(
    ("status", "previous", "source", "dpv"),
    [
        ("granted", None, "registration", "dpv:ConsentGiven"),
        ("granted", "withdrawn", "resubscribe", "dpv:ConsentGiven"),
        ("pending", None, "newsletter_form", "dpv:ConsentRequested"),
        ("withdrawn", None, "registration", "dpv:ConsentRefused"),
        ("withdrawn", "pending", "preference_center", "dpv:ConsentRefused"),
        ("withdrawn", "pending", "expiry", "dpv:ConsentExpired"),
        ("withdrawn", "granted", "esp_webhook", "dpv:ConsentWithdrawn"),
    ],
)
def test_each_ledger_change_has_its_dpv_consent_status(status, previous, source, dpv) -> None:
    assert consent_status(Entry(1, "surveys", status, previous, source)) == dpv


def test_a_request_is_valid_until_it_lapses() -> None:
    [record] = records([Entry(1, "surveys", "pending", None, "newsletter_form")])
    assert record["dct:hasPart"][0]["dct:valid"] == {"@value": "P30D", "@type": "xsd:duration"}


def test_the_record_id_is_stable_and_differs_by_person_and_purpose() -> None:
    first = records(GRANT_WITHDRAW_REGRANT)[0]["dct:identifier"]
    again = records(GRANT_WITHDRAW_REGRANT[:1])[0]["dct:identifier"]
    other = build_records(uuid.uuid4(), "ky", GRANT_WITHDRAW_REGRANT, RECORD_CONTEXT)
    promotions = records([replace(e, purpose="promotions") for e in GRANT_WITHDRAW_REGRANT])
    assert first == again
    assert len({first, other[0]["dct:identifier"], promotions[0]["dct:identifier"]}) == 3


def test_every_consent_purpose_has_a_dpv_purpose_and_only_those() -> None:
    assert set(DPV_PURPOSE) == CONSENT_PURPOSES
    assert records([Entry(1, "transactions", "granted", None)]) == []


def test_the_record_carries_no_contact_data_of_the_person() -> None:
    text = json.dumps(records(GRANT_WITHDRAW_REGRANT))
    assert "@" not in text.replace("dpo@example.kg", "").replace('"@', "")


def test_a_record_is_json_ld_whose_triples_use_the_dpv_terms() -> None:
    """rdflib expands the inline @context offline: the compact keys become DPV IRIs."""
    [record] = records(GRANT_WITHDRAW_REGRANT)
    graph = triples_of(json.dumps(record))
    node = rdflib.URIRef(f"urn:uuid:{record['dct:identifier']}")
    assert (node, rdflib.RDF.type, DPV.ConsentRecord) in graph
    assert graph.value(node, DCT.conformsTo) == rdflib.URIRef(PROFILE)
    assert graph.value(node, DPV.hasDataSubject) == rdflib.URIRef(f"urn:uuid:{SUBJECT}")
    assert graph.value(node, DPV.hasConsentStatus) == DPV.ConsentGiven
    assert graph.value(node, DPV.hasJurisdiction) == rdflib.URIRef("https://w3id.org/dpv/loc#KG")
    events = list(graph.objects(node, DCT.hasPart))
    assert len(events) == 3
    times = sorted(graph.value(e, DCT.date).toPython() for e in events)
    assert times[0] == T0 + timedelta(days=1)
    assert record["@context"] == CONTEXT
