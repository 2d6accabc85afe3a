"""Published privacy policy versions: which one a consent is given under."""

from datetime import datetime
from typing import Protocol


class Policies(Protocol):
    def policy_effective_at(self, version: str) -> datetime | None: ...

    def current_policy_version(self, now: datetime) -> str | None: ...

    def policies(self) -> list[tuple[str, datetime, dict[str, str], str | None]]:
        """(version, effective at, documents by locale, who published it), oldest first."""
        ...

    def add_policy(
        self,
        version: str,
        effective_at: datetime,
        documents: dict[str, str],
        now: datetime,
        published_by: str | None = None,
    ) -> None: ...
