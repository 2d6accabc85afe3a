"""Applying one message from the registry to the mailer's view.

The message id is recorded in the same transaction as the change it causes, so a redelivered
message (the broker delivers at least once) changes nothing; the version guards of
`mailer.domain.recipients` make a late or reordered message harmless too.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from mailer.adapters.repository import RecipientStore
from mailer.domain import recipients
from mailer.domain.events import ConsentChanged, Contact, ContactUpdated, Erased, Fact
from schemas.messages import InvalidMessage

Result = Literal["applied", "duplicate", "stale"]
NOT_HANDLED = "not handled by this mailer version"
HANDLED = frozenset({"consent.changed/1", "subject.updated/1", "subject.erased/1"})


class NotHandled(InvalidMessage):
    """A valid message of a schema this release does not act on; it is dead-lettered, never
    acked silently, so that nothing is lost when a later release learns to handle it."""

    def __init__(self, schema: str) -> None:
        super().__init__(f"{NOT_HANDLED}: {schema}")


def fact_from(message: Mapping[str, Any]) -> Fact:
    """The domain fact a loaded message announces; NotHandled for any other schema."""
    schema = message["schema"]
    if schema not in HANDLED:
        raise NotHandled(schema)
    subject_id, version = message["subject_id"], message["version"]
    if schema == "consent.changed/1":
        return ConsentChanged(
            subject_id, version, _contact(message), message["purpose"], message["status"]
        )
    if schema == "subject.updated/1":
        return ContactUpdated(subject_id, version, _contact(message))
    return Erased(subject_id, version)


def _contact(message: Mapping[str, Any]) -> Contact:
    return Contact(message["email"], message["locale"], message["name"])


def apply_message(
    store: RecipientStore, message: Mapping[str, Any], now: datetime | None = None
) -> Result:
    """Apply a message loaded by `schemas.messages.load_message` in the store's transaction.

    "duplicate": its id was seen before; "stale": nothing newer in it; "applied": the view
    changed. The caller commits, then acknowledges the message.
    """
    fact = fact_from(message)
    now = now or datetime.now(UTC)
    if not store.record_message(message["message_id"], now):
        return "duplicate"
    store.lock(fact.subject_id)
    before = store.load(fact.subject_id)
    after, outcome = recipients.apply(before, fact)
    if outcome == "applied":
        store.save(before, after, now)
    return outcome
