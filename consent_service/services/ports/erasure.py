"""Where the registry keeps a person's data, as erasure blanks or deletes it.

Listing these next to each other is also the inventory of the rows that hold or name a
person; a table added later that holds an address belongs here (the SQL store is
adapters/erasure_store.py; tests/integration/test_erasure.py searches every table).
"""

import uuid
from datetime import datetime
from typing import Protocol


class PersonalData(Protocol):
    def forget_contact(self, subject_id: uuid.UUID, version: int, now: datetime) -> None:
        """Blank the subject's contact data and mark it erased; the id stays as a pseudonym."""
        ...

    def delete_consents(self, subject_id: uuid.UUID) -> None: ...

    def pseudonymise_ledger(self, subject_id: uuid.UUID) -> int:
        """Blank the evidence of every entry of the subject, and its nonce: only the
        evidence's digest is chained, so every hash still verifies."""
        ...

    def addresses_in_messages(self, subject_id: uuid.UUID) -> set[str]:
        """Every address the subject's outbox messages and stored API answers still carry."""
        ...

    def delete_outbox(self, subject_id: uuid.UUID) -> int: ...

    def delete_idempotent_answers(self, subject_id: uuid.UUID) -> int: ...
