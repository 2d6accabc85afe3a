"""What the services count for the operators' metrics (docs/operations.md "Metrics").

A port like the stores: the SQL repository counts through prometheus_client
(`adapters/metrics.py`), the fakes keep the counts for the tests to read, and no service
imports a metrics library.
"""

from collections.abc import Mapping
from typing import Protocol

ChangeKey = tuple[str, str, str]
"""(purpose, source, status): closed vocabularies, never anything about a person."""


class ChangeMeter(Protocol):
    def count_consent_changes(self, changes: Mapping[ChangeKey, int]) -> None:
        """Count consent changes written in the caller's transaction: counted when it
        commits, never if it rolls back."""
        ...
