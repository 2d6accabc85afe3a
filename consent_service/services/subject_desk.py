"""The privacy desk's reads: finding a person, and everything the registry holds about them.

A person is found by a whole key only: their subject id, their whole address (compared as the
registry compares addresses, lower-cased, `domain/emails.py`) or the shop's external id,
exactly. There is no partial match on purpose: a search over parts of addresses would turn
the console into a way to list the shop's customers (decision 0041). What was looked for is
kept in the console audit log only as a keyed mask, the one the logs use for addresses, so
two lookups of one address match each other but the log names nobody.
"""

import hashlib
import hmac
import uuid
from dataclasses import dataclass

from consent_service.domain.emails import email_key
from consent_service.domain.ledger import Finding, StoredEntry, verify_chain
from consent_service.services.ports import Repository
from consent_service.services.ports.rights import RightsRequestRow
from consent_service.services.ports.subjects import SubjectRow
from consent_service.services.views import SubjectView, get_subject
from plumbing.logs import EMAIL_LIKE, mask_emails
from plumbing.text import storable

MAX_QUERY = 320
"""Longer than any address (254) or external id (200): anything longer matches nothing."""
MAX_FOUND = 20
"""An external id is the shop's and not unique here; more people than this under one is an
import gone wrong, and the page says to narrow down by address."""


@dataclass(frozen=True)
class Lookup:
    """What a query found, and by which keys (`subject_id`, `email`, `external_id`)."""

    subjects: list[SubjectRow]
    matched: list[str]


def find_subjects(registry: Repository, query: str) -> Lookup:
    """Everyone `query` names whole: as a subject id, an address or an external id. Text
    the database cannot compare (a NUL, a lone surrogate) names nobody."""
    query = query.strip()
    if not query or len(query) > MAX_QUERY or not storable(query):
        return Lookup([], [])
    found: dict[uuid.UUID, SubjectRow] = {}
    matched: list[str] = []

    def add(kind: str, rows: list[SubjectRow]) -> None:
        if rows:
            matched.append(kind)
        for row in rows:
            found.setdefault(row.id, row)

    try:
        subject_id = uuid.UUID(query)
    except ValueError:
        subject_id = None
    if subject_id is not None:
        add("subject_id", [row] if (row := registry.subject_by_id(subject_id)) else [])
    if "@" in query:
        add("email", [row] if (row := registry.subject_by_email_key(email_key(query))) else [])
    add("external_id", registry.subjects_by_external_id(query, MAX_FOUND))
    return Lookup(list(found.values())[:MAX_FOUND], matched)


def masked_query(query: str, key: bytes) -> str:
    """The query as the console audit log keeps it: an address as the logs mask it
    (`<email:…>`, so the two can be matched), anything else as a keyed digest of its own."""
    query = query.strip()
    if EMAIL_LIKE.fullmatch(query):
        return mask_emails(query, key)
    text = query.lower().encode("utf-8", "surrogatepass")
    digest = hmac.new(key, b"query\n" + text, hashlib.sha256).hexdigest()
    return f"<query:{digest[:12]}>"


def masked_text(text: str, key: bytes) -> str:
    """A reason an officer typed, with any address in it masked: the audit log is
    append-only and outlives an erasure, so it must not keep an address typed in passing."""
    return mask_emails(text, key)


@dataclass(frozen=True)
class Dossier:
    """A person's page: their consents, their ledger newest first, what does not verify in
    their chain, and their recorded requests."""

    view: SubjectView
    entries: list[StoredEntry]
    findings: list[Finding]
    requests: list[RightsRequestRow]

    @property
    def broken(self) -> bool:
        return bool(self.findings)


def dossier(registry: Repository, subject_id: uuid.UUID) -> Dossier:
    """SubjectNotFound for an unknown or erased person."""
    view = get_subject(registry, subject_id)
    entries = registry.history(subject_id)
    findings = verify_chain(str(subject_id), entries, view.subject.version)
    newest_first = sorted(entries, key=lambda e: e.record.seq, reverse=True)
    requests = registry.rights.requests_of(subject_id)
    return Dossier(view, newest_first, findings, requests)
