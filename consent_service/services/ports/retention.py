"""What the retention rules find and delete (domain/retention.py); what changes a person's
consent or erases them goes through the services instead, one subject at a time."""

import uuid
from datetime import datetime
from typing import Protocol

from consent_service.domain.retention import Rule


class RetentionCandidates(Protocol):
    def inactive_subjects(self, changed_before: datetime) -> list[uuid.UUID]:
        """Live subjects unchanged since before the cutoff and holding no granted consent."""
        ...

    def expired_pending(self, updated_before: datetime) -> dict[uuid.UUID, int]:
        """Subjects with consents pending since before the cutoff, and how many each has."""
        ...

    def count_before(self, rule: Rule, cutoff: datetime) -> int:
        """How many items a rule that deletes by date would delete (the dated rules)."""
        ...

    def delete_before(self, rule: Rule, cutoff: datetime) -> int: ...
