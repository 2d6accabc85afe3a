"""The registry's tables as plain Python, shared by the fake repository and its stores."""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from consent_service.domain.forms import SignupForm
from consent_service.domain.layouts import Layout
from consent_service.domain.ledger import Checkpoint, StoredEntry, Verification
from consent_service.services.ports.campaigns import CampaignRow, RunRow
from consent_service.services.ports.idempotency import StoredAnswer
from consent_service.services.ports.keys import StoredKey
from consent_service.services.ports.links import TokenUse
from consent_service.services.ports.rights import RightsRequestRow
from consent_service.services.ports.subjects import ConsentRow, SubjectRow
from consent_service.services.ports.transfers import RecipientRow, TransferRow


@dataclass
class StoredSubject:
    row: SubjectRow
    email_key: str | None
    erased_at: datetime | None = None


@dataclass
class Tables:
    """Every registry table the services use, as plain Python."""

    subjects: dict[uuid.UUID, StoredSubject] = field(default_factory=dict)
    consents: dict[uuid.UUID, dict[str, ConsentRow]] = field(default_factory=dict)
    ledger: list[StoredEntry] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    verifications: list[Verification] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    """Outbox rows with their `id` and `sent_at`."""
    policies: dict[str, tuple[datetime, dict[str, str]]] = field(default_factory=dict)
    policy_publishers: dict[str, str] = field(default_factory=dict)
    answers: dict[tuple[str, str], tuple[StoredAnswer, uuid.UUID | None, datetime]] = field(
        default_factory=dict
    )
    suppressions: dict[tuple[bytes, str], datetime] = field(default_factory=dict)
    former_addresses: dict[uuid.UUID, set[bytes]] = field(default_factory=dict)
    rights_requests: list[RightsRequestRow] = field(default_factory=list)
    link_emails: list[tuple[uuid.UUID, str, datetime]] = field(default_factory=list)
    used_tokens: dict[bytes, TokenUse] = field(default_factory=dict)
    forms: dict[str, SignupForm] = field(default_factory=dict)
    api_keys: dict[str, StoredKey] = field(default_factory=dict)
    recipients: dict[str, RecipientRow] = field(default_factory=dict)
    transfers: dict[uuid.UUID, TransferRow] = field(default_factory=dict)
    webhook_events: dict[str, datetime] = field(default_factory=dict)
    campaigns: dict[uuid.UUID, CampaignRow] = field(default_factory=dict)
    runs: dict[uuid.UUID, RunRow] = field(default_factory=dict)
    layouts: dict[uuid.UUID, Layout] = field(default_factory=dict)
    test_sends: list[tuple[uuid.UUID, str, int, datetime]] = field(default_factory=list)
    staff_addresses: dict[str, bool] = field(default_factory=dict)
    """Staff addresses, each with whether its person is active."""
    consent_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    consent_days: dict[tuple[date, str], tuple[int, int]] = field(default_factory=dict)
    consent_changes: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """What the metrics counted: (purpose, source, status) -> changes; a transaction rolled
    back takes its counts with it, as the SQL repository's count only commits."""

    def live(self, subject_id: uuid.UUID) -> StoredSubject | None:
        stored = self.subjects.get(subject_id)
        return stored if stored is not None and stored.erased_at is None else None

    def messages(self, subject_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
        """The payloads in the outbox, oldest first; only the subject's if one is named."""
        return [
            row["payload"]
            for row in self.outbox
            if subject_id is None or row["subject_id"] == subject_id
        ]
