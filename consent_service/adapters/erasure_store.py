"""The statements of an erasure: every row that holds or names the person, in one place.

Runs on the repository's connection, so it shares the caller's transaction: an erasure is
all of these statements or none of them. Listing them here, next to each other, is also the
inventory of where the registry keeps contact data; a table added later that holds an
address belongs here (tests/integration/test_erasure.py searches every table). The keyed
hashes of former addresses are the suppression list's business (suppression_store), the
rights requests the rights store's.
"""

import uuid
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from consent_service.adapters import orm

_S = orm.Subject.__table__
_C = orm.Consent.__table__
_L = orm.LedgerEntry.__table__
_O = orm.OutboxMessage.__table__
_I = orm.IdempotentRequest.__table__


class ErasureStore:
    """The `PersonalData` port in SQL."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def forget_contact(self, subject_id: uuid.UUID, version: int, now: datetime) -> None:
        """The locale stays: the column is required and says nothing about who the person is."""
        self.connection.execute(
            update(_S)
            .where(_S.c.id == subject_id)
            .values(
                email=None,
                email_key=None,
                name=None,
                external_id=None,
                attributes=None,
                email_confirmed_at=None,
                version=version,
                updated_at=now,
                erased_at=now,
            )
        )

    def delete_consents(self, subject_id: uuid.UUID) -> None:
        self.connection.execute(delete(_C).where(_C.c.subject_id == subject_id))

    def pseudonymise_ledger(self, subject_id: uuid.UUID) -> int:
        """Without the nonce the digest can no longer be matched against a guess of the
        evidence (domain/ledger.py)."""
        result = self.connection.execute(
            update(_L)
            .where(_L.c.subject_id == subject_id)
            .values(evidence=None, evidence_nonce=None)
        )
        return result.rowcount or 0

    def addresses_in_messages(self, subject_id: uuid.UUID) -> set[str]:
        """They carry the address of their time, so for a subject whose address changed before
        the registry kept keyed hashes of former addresses they are the only trace of the
        earlier one; erasure suppresses what it finds here before deleting both."""
        payloads = select(_O.c.payload).where(_O.c.subject_id == subject_id)
        answers = select(_I.c.response).where(_I.c.subject_id == subject_id)
        found = set()
        for query in (payloads, answers):
            for body in self.connection.execute(query).scalars():
                email = body.get("email") if isinstance(body, dict) else None
                if isinstance(email, str) and email:
                    found.add(email)
        return found

    def delete_outbox(self, subject_id: uuid.UUID) -> int:
        """The subject's messages, sent or not: their payloads carry the addresses of the time."""
        return self.connection.execute(delete(_O).where(_O.c.subject_id == subject_id)).rowcount

    def delete_idempotent_answers(self, subject_id: uuid.UUID) -> int:
        """Stored answers to retried requests hold the address (decision 0004)."""
        return self.connection.execute(delete(_I).where(_I.c.subject_id == subject_id)).rowcount
