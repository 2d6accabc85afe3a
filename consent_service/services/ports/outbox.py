"""The outbox: messages written in the transaction of the change they announce.

Only `services/ledger_writer.py` builds outbox rows (each body checked against its schema
first); the relay publishes them through a `Publisher` and marks them sent.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

OutboxRow = dict[str, Any]
"""`message_id`, `subject_id` (None for a campaign's), `routing_key`, `payload`, `created_at`."""


class Outbox(Protocol):
    def add_outbox(self, messages: list[OutboxRow]) -> None: ...


class OutboxRelay(Protocol):
    """The relay's side: unsent messages, oldest first."""

    def claim_outbox(self, limit: int) -> list[tuple[int, uuid.UUID, str, dict[str, Any]]]:
        """(row id, message id, routing key, payload) of the oldest unsent messages, locked
        against other relays until the transaction ends."""
        ...

    def mark_sent(self, ids: list[int], now: datetime) -> None: ...

    def prune_sent_outbox(self, before: datetime) -> int: ...

    def outbox_lag(self) -> tuple[int, datetime | None]:
        """How many messages wait to be published, and since when the oldest has waited."""
        ...


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    routing_key: str
    body: dict[str, Any]


class PublishError(Exception):
    """The broker is unreachable or refused the batch; nothing of it counts as published."""


class Publisher(Protocol):
    def publish(self, messages: Sequence[OutgoingMessage]) -> list[str]:
        """The ids of the messages the broker confirmed; PublishError if it cannot be asked."""
        ...
