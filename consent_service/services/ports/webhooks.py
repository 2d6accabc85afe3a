"""The ids of the email provider's events already applied."""

from datetime import datetime
from typing import Protocol


class WebhookEvents(Protocol):
    def record(self, event_id: str, now: datetime) -> bool:
        """Remember an event id; False if it was there already (the provider sent it again).
        A concurrent delivery of the same event must get False, not an error."""
        ...
