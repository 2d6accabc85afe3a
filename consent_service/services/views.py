"""What the API shows of a subject: contact data and the current status of each purpose."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.evidence import GPC
from consent_service.domain.gpc import SIGNAL
from consent_service.services.ports import Repository
from consent_service.services.ports.subjects import ConsentRow, SubjectRow


@dataclass(frozen=True)
class SubjectView:
    subject: SubjectRow
    consents: dict[str, ConsentRow]

    @property
    def subject_id(self) -> uuid.UUID:
        return self.subject.id


def subject_view(registry: Repository, subject: SubjectRow) -> SubjectView:
    return SubjectView(subject, registry.consents_of(subject.id))


def get_subject(registry: Repository, subject_id: uuid.UUID) -> SubjectView:
    subject = registry.subject_by_id(subject_id)
    if subject is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    return subject_view(registry, subject)


def find_subject_by_email(registry: Repository, email_key: str) -> SubjectView:
    subject = registry.subject_by_email_key(email_key)
    if subject is None:
        raise SubjectNotFound("No subject has this email address.")
    return subject_view(registry, subject)


@dataclass(frozen=True)
class HistoryEntry:
    purpose: str | None
    status: str | None
    previous_status: str | None
    source: str
    actor: str
    policy_version: str | None
    recorded_at: datetime
    hash: str
    kind: str
    version: int
    gpc: bool = False
    """The change came with the browser's Global Privacy Control signal (decision 0039)."""


def history(registry: Repository, subject_id: uuid.UUID) -> list[HistoryEntry]:
    if registry.subject_by_id(subject_id) is None:
        raise SubjectNotFound(f"No subject {subject_id}.")
    return [
        HistoryEntry(
            purpose=e.record.purpose,
            status=e.record.status,
            previous_status=e.record.previous_status,
            source=e.record.source,
            actor=e.record.actor,
            policy_version=e.record.policy_version,
            recorded_at=e.record.recorded_at,
            hash=e.hash,
            kind=e.record.kind,
            version=e.record.seq,
            gpc=(e.evidence or {}).get(GPC) == SIGNAL,
        )
        for e in registry.history(subject_id)
    ]
