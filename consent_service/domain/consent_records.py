"""ISO/IEC TS 27560 consent records, in the DPV JSON-LD profile, built from ledger entries.

One record per purpose the person has a consent history for: what they were asked, under
which notice, by whom, how it was collected, and every event (given, refused, withdrawn, ...)
with its time, the entity that carried it out and the ledger hash that proves it. The ledger
is the only source: a record says nothing the ledger cannot show, so an auditor can check it
entry by entry (docs/decisions/0037-consent-records-iso-27560.md has the field mapping).

Plain data in, plain JSON-ready dicts out: the service reads the ledger and the settings, the
route only serialises. The `@context` is written inline, so a record parses offline and its
meaning does not depend on a document fetched at read time.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from consent_service.domain.ledger import CHAIN_VERSION, timestamp
from consent_service.domain.purposes import CATALOGUE

PROFILE = "https://w3id.org/dpv/schema/dpv-27560#record"
"""The DPVCG profile `dpv-27560:record` (records conforming with ISO/IEC TS 27560:2023)."""
JURISDICTION = "KG"

CONTEXT: dict[str, str] = {
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "loc": "https://w3id.org/dpv/loc#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "ledger": "urn:consent-ledger:",
}
"""Prefixes only: every key of a record is a compact IRI, so it reads as the vocabulary it
comes from. `ledger:` names what DPV has no term for (our chain hashes); a URN, since the
shop's own address may change and these terms must not."""

DPV_PURPOSE = {
    "personalization": "dpv:ServicePersonalisation",
    "newsletters": "dpv:DirectMarketing",
    "promotions": "dpv:DirectMarketing",
    "surveys": "dpv:ImproveExistingProductsAndServices",
}
"""Our consent purposes as DPV purpose concepts (decision 0037 says why each)."""

PERSONAL_DATA = {
    "personalization": ("pd:EmailAddress", "pd:Language", "pd:BrowsingBehaviour"),
    "newsletters": ("pd:EmailAddress", "pd:Name", "pd:Language"),
    "promotions": ("pd:EmailAddress", "pd:Name", "pd:Language"),
    "surveys": ("pd:EmailAddress", "pd:Name", "pd:Language"),
}

INDICATION_METHOD = {
    "registration": "registration form",
    "order": "checkout form",
    "newsletter_form": "newsletter sign-up form",
    "survey": "survey form",
    "preference_center": "preference centre page",
    "double_opt_in": "confirmation link in an email (double opt-in)",
    "resubscribe": "re-subscription link in an email",
    "unsubscribe_link": "unsubscribe link in an email",
    "one_click": "one-click unsubscribe (RFC 8058) from the mail program",
    "esp_webhook": "unsubscribe or complaint reported by the email service",
    "import": "imported with its recorded evidence",
    "admin": "recorded by the shop",
    "expiry": "request not confirmed in time (retention rule)",
}
"""Each ledger source in words: how a consent event was indicated (these records) and how
a consent was collected (the receipts of services/receipts.py)."""

SUBJECT_ACTORS = ("subject", "form:")
"""Ledger actors that are the person: a link they followed, a form they sent."""
PROCESSOR_ACTORS = ("sendgrid",)
"""Ledger actors that are the email service reporting what the person did in their mail
program (an unsubscribe, a complaint)."""

WITHDRAWAL_METHODS = (
    (
        "preference_center",
        "The preference centre: the link in every email opens the person's page, where each "
        "purpose can be switched off; a withdrawal takes effect at once.",
    ),
    (
        "one_click",
        "One-click unsubscribe: the unsubscribe link in every email and the List-Unsubscribe "
        "and List-Unsubscribe-Post headers (RFC 8058) withdraw the email's purpose at once.",
    ),
)


class Entry(Protocol):
    """What a record reads of one ledger entry (`services.views.HistoryEntry` is one)."""

    @property
    def kind(self) -> str: ...
    @property
    def purpose(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def previous_status(self) -> str | None: ...
    @property
    def source(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def policy_version(self) -> str | None: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def hash(self) -> str: ...
    @property
    def version(self) -> int: ...


@dataclass(frozen=True)
class Party:
    """A party as 27560 lists one: name, postal address and how to reach it."""

    iri: str
    name: str
    address: str
    contacts: tuple[str, ...]


@dataclass(frozen=True)
class RecordContext:
    """Everything a record needs besides the ledger: who the shop and the authority are,
    where its notices are published, and how long data is kept."""

    controller: Party
    authority: Party
    public_base_url: str
    pending_expiry: timedelta
    """An unconfirmed request lapses (is withdrawn, source `expiry`) after this long."""
    inactive_erasure: timedelta
    """A person with no consent given and no change for this long is erased."""

    def notice_url(self, version: str) -> str:
        return f"{self.public_base_url}/policy/versions/{version}"


def record_id(subject_id: uuid.UUID, purpose: str) -> uuid.UUID:
    """Stable: the same person and purpose get the same record id in every answer."""
    return uuid.uuid5(subject_id, f"consent-record/{purpose}")


def consent_status(entry: Entry) -> str:
    """The DPV consent status an entry puts the purpose in.

    A "no" with nothing given before is a refusal, a request that lapsed unconfirmed has
    expired, and only a withdrawal of something given is `ConsentWithdrawn`.
    """
    if entry.status == "granted":
        return "dpv:ConsentGiven"
    if entry.status == "pending":
        return "dpv:ConsentRequested"
    if entry.source == "expiry":
        return "dpv:ConsentExpired"
    if entry.previous_status == "granted":
        return "dpv:ConsentWithdrawn"
    return "dpv:ConsentRefused"


def _time(moment: datetime) -> dict[str, str]:
    return {"@value": timestamp(moment), "@type": "xsd:dateTime"}


def _duration(length: timedelta) -> dict[str, str]:
    return {"@value": f"P{length.days}D", "@type": "xsd:duration"}


def _subject_iri(subject_id: uuid.UUID) -> str:
    return f"urn:uuid:{subject_id}"


def _party(party: Party, types: Sequence[str]) -> dict[str, Any]:
    return {
        "@id": party.iri,
        "@type": list(types),
        "dpv:hasName": party.name,
        "dpv:hasAddress": party.address,
        "dpv:hasContact": list(party.contacts),
    }


def _validity(entry: Entry, context: RecordContext) -> dict[str, str] | str:
    """27560's validity duration: a given consent lasts until withdrawn, a request until it
    lapses, and a refusal or withdrawal allows nothing from its own moment on."""
    if entry.status == "granted":
        return "until withdrawn"
    if entry.status == "pending":
        return _duration(context.pending_expiry)
    return _duration(timedelta(0))


def _entity(subject_id: uuid.UUID, actor: str) -> dict[str, Any]:
    if actor.startswith(SUBJECT_ACTORS):
        return {"@id": _subject_iri(subject_id), "dct:identifier": actor}
    kind = "dpv:DataProcessor" if actor in PROCESSOR_ACTORS else "dpv:DataController"
    return {"@type": kind, "dct:identifier": actor}


def _event(subject_id: uuid.UUID, entry: Entry, context: RecordContext) -> dict[str, Any]:
    event: dict[str, Any] = {
        "@id": f"urn:uuid:{record_id(subject_id, entry.purpose or '')}#event-{entry.version}",
        "dct:date": _time(entry.recorded_at),
        "dct:valid": _validity(entry, context),
        "dpv:isImplementedByEntity": _entity(subject_id, entry.actor),
        "dpv:hasLegalBasis": {"@id": "dpv:ExplicitlyExpressedConsent"},
        "dpv:hasConsentStatus": {"@id": consent_status(entry)},
        "dpv:hasIndicationMethod": INDICATION_METHOD.get(entry.source, entry.source),
        "ledger:source": entry.source,
        "ledger:sequence": entry.version,
        "ledger:entryHash": entry.hash,
    }
    if entry.policy_version:
        event["dpv:hasNotice"] = {"@id": context.notice_url(entry.policy_version)}
    return event


def _notices(events: Sequence[Entry], context: RecordContext) -> list[dict[str, Any]]:
    versions = dict.fromkeys(e.policy_version for e in events if e.policy_version)
    return [
        {"@id": context.notice_url(v), "@type": "dpv:PrivacyNotice", "dct:hasVersion": v}
        for v in versions
    ]


def _collection(events: Sequence[Entry]) -> list[dict[str, Any]]:
    """How what the record is about was collected: from the person, by each ledger source
    through which they answered (once each, oldest first)."""
    sources = dict.fromkeys(e.source for e in events if e.status in ("granted", "pending"))
    return [
        {
            "@type": "dpv:DataSource",
            "dct:identifier": source,
            "dct:description": INDICATION_METHOD.get(source, source),
            "dpv:hasDataSource": {"@id": "dpv:DataSubject"},
            "dpv:hasProcessing": {"@id": "dpv:Collect"},
        }
        for source in sources
    ]


def _retention(context: RecordContext) -> dict[str, Any]:
    return {
        "@type": "dpv:StorageDuration",
        "dpv:hasDuration": _duration(context.inactive_erasure),
        "dct:description": (
            "Contact data is kept while any consent is given; a person with no consent given "
            f"and no change for {context.inactive_erasure.days} days is erased. The ledger "
            "entries stay, pseudonymised, as proof of what was consented to."
        ),
        "dpv:hasLocation": {"@id": f"loc:{JURISDICTION}"},
    }


def _purpose(purpose: str, context: RecordContext) -> dict[str, Any]:
    text = CATALOGUE[purpose]
    return {
        "@id": f"{context.public_base_url}/policy#purpose-{purpose}",
        "@type": ["dpv:Purpose", DPV_PURPOSE[purpose]],
        "dct:identifier": purpose,
        "dct:title": text.title,
        "dct:description": text.description,
    }


def build_record(
    subject_id: uuid.UUID,
    locale: str,
    purpose: str,
    events: Sequence[Entry],
    context: RecordContext,
) -> dict[str, Any]:
    """The record of one purpose from its ledger entries, oldest first (at least one)."""
    latest = events[-1]
    rid = record_id(subject_id, purpose)
    return {
        "@context": CONTEXT,
        "@id": f"urn:uuid:{rid}",
        "@type": "dpv:ConsentRecord",
        "dct:conformsTo": {"@id": PROFILE},
        "dct:identifier": str(rid),
        "dct:created": _time(events[0].recorded_at),
        "dct:modified": _time(latest.recorded_at),
        "dct:language": locale,
        "dpv:hasDataSubject": {
            "@id": _subject_iri(subject_id),
            "@type": "dpv:DataSubject",
            "dct:identifier": str(subject_id),
        },
        "dpv:hasNotice": _notices(events, context),
        "dpv:hasPurpose": _purpose(purpose, context),
        "dpv:hasLegalBasis": {"@id": "dpv:Consent"},
        "dpv:hasPersonalData": [{"@id": pd} for pd in PERSONAL_DATA[purpose]],
        "dpv:hasDataController": _party(
            context.controller, ("dpv:LegalEntity", "dpv:DataController")
        ),
        "dpv:hasDataSource": _collection(events),
        "dpv:hasStorageCondition": _retention(context),
        "dpv:hasJurisdiction": {"@id": f"loc:{JURISDICTION}"},
        "dpv:hasRecipient": [],
        "dpv:hasConsentControl": [
            {"@type": "dpv:WithdrawConsent", "dct:identifier": key, "dct:description": text}
            for key, text in WITHDRAWAL_METHODS
        ],
        "dpv:hasAuthority": _party(context.authority, ("dpv:DataProtectionAuthority",)),
        "dpv:hasConsentStatus": {"@id": consent_status(latest)},
        "dct:hasPart": [_event(subject_id, e, context) for e in events],
        "ledger:chainVersion": CHAIN_VERSION,
        "ledger:entryHash": latest.hash,
    }


def build_records(
    subject_id: uuid.UUID, locale: str, entries: Iterable[Entry], context: RecordContext
) -> list[dict[str, Any]]:
    """One record per purpose with consent entries in the ledger, ordered by purpose.

    Entries of other kinds (rectification, erasure) and of purposes no longer consent-based
    carry no consent event and make no record.
    """
    by_purpose: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.kind == "consent" and entry.purpose in DPV_PURPOSE:
            by_purpose.setdefault(entry.purpose, []).append(entry)
    return [
        build_record(subject_id, locale, purpose, sorted(events, key=lambda e: e.version), context)
        for purpose, events in sorted(by_purpose.items())
    ]
