"""Applying one message from the registry: to the mailer's view, or as a campaign command.

The message id is recorded in the same transaction as the change it causes, so a redelivered
message (the broker delivers at least once) changes nothing; the version guards of
`mailer.domain.recipients` make a late or reordered subject event harmless too, and a
campaign's lifecycle state likewise only moves to a higher version. Nothing here plans or
sends: a run is only recorded, and the sender picks it up in transactions of its own.
"""

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from mailer.domain import recipients, runs
from mailer.domain.confirmations import CAMPAIGN_TEST, CONFIRMATION, PREFERENCES
from mailer.domain.events import ConsentChanged, Contact, ContactUpdated, Erased, Fact
from mailer.domain.runs import RunRecord
from mailer.services.view import RecipientView
from plumbing.catch_up import bucket_of
from schemas.messages import InvalidMessage

Result = Literal["applied", "duplicate", "stale"]
NOT_HANDLED = "not handled by this mailer version"
SUBJECT_FACTS = frozenset({"consent.changed/1", "subject.updated/1", "subject.erased/1"})
COMMANDS = frozenset(
    {
        "campaign.run_requested/1",
        "campaign.control/1",
        "optin.confirmation_requested/1",
        "subject.preferences_link_requested/1",
        "campaign.test_requested/1",
    }
)
HANDLED = SUBJECT_FACTS | COMMANDS


class CampaignCommands(Protocol):
    """Where the registry's campaign commands are recorded; the sender acts on them later."""

    def add_run(self, run: RunRecord, now: datetime) -> bool:
        """Record a requested run (`runs.status_on_arrival`); False if its id is known."""
        ...

    def set_state(self, campaign_id: uuid.UUID, state: str, version: int) -> bool:
        """Keep the state if its version is higher (`runs.supersedes`); False if not."""
        ...

    def cancel_unfinished_runs(self, campaign_id: uuid.UUID, now: datetime) -> list[uuid.UUID]: ...


class ConfirmationRequests(Protocol):
    """The queue of transactional emails, as requests fill it and erasures empty it."""

    def queue(
        self,
        message_id: uuid.UUID,
        subject_id: uuid.UUID,
        address: str,
        locale: str,
        confirm_url: str,
        purposes: Iterable[str],
        now: datetime,
        kind: str = CONFIRMATION,
        content: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue an email once per message id."""
        ...

    def delete_of(self, subject_id: uuid.UUID) -> None: ...


class ApplyStore(RecipientView, Protocol):
    """What applying a message needs of one transaction."""

    @property
    def campaigns(self) -> CampaignCommands: ...

    @property
    def confirmations(self) -> ConfirmationRequests: ...


class NotHandled(InvalidMessage):
    """A valid message of a schema this release does not act on; it is dead-lettered, never
    acked silently, so that nothing is lost when a later release learns to handle it."""

    def __init__(self, schema: str) -> None:
        super().__init__(f"{NOT_HANDLED}: {schema}")


def check_handled(message: Mapping[str, Any]) -> None:
    """Raise NotHandled unless this release acts on the message's schema."""
    if message["schema"] not in HANDLED:
        raise NotHandled(message["schema"])


def fact_from(message: Mapping[str, Any]) -> Fact:
    """The domain fact a loaded subject event announces; NotHandled for any other schema."""
    schema = message["schema"]
    if schema not in SUBJECT_FACTS:
        raise NotHandled(schema)
    subject_id, version = message["subject_id"], message["version"]
    if schema == "consent.changed/1":
        return ConsentChanged(
            subject_id, version, _contact(message), message["purpose"], message["status"]
        )
    if schema == "subject.updated/1":
        return ContactUpdated(subject_id, version, _contact(message), message.get("suppressed"))
    return Erased(subject_id, version)


def _contact(message: Mapping[str, Any]) -> Contact:
    return Contact(message["email"], message["locale"], message["name"], message.get("attributes"))


def apply_batch(store: ApplyStore, messages: Sequence[Mapping[str, Any]]) -> Counter[Result]:
    """Apply loaded messages in one transaction (the consumer's batch); the count of each
    result."""
    return Counter(apply_each(store, messages))


def apply_each(store: ApplyStore, messages: Sequence[Mapping[str, Any]]) -> list[Result]:
    """Apply loaded messages in one transaction (the consumer's batch); each one's result,
    in order.

    Every lock of the batch is taken up front, in one order for all consumers, so that two
    consumers' batches can never wait for each other in a cycle.
    """
    buckets = {bucket_of(str(m["subject_id"])) for m in messages if "subject_id" in m}
    for bucket in sorted(buckets):
        store.lock_bucket(bucket)
    return [apply_message(store, message) for message in messages]


def propagation_lags(
    messages: Sequence[Mapping[str, Any]], results: Sequence[Result], now: datetime
) -> list[float]:
    """Seconds from each applied change of a subject (consent, contact, erasure) to `now`:
    how long the registry's change took to reach the view. Never negative, though the two
    parts' clocks may differ a little."""
    return [
        max((now - message["occurred_at"]).total_seconds(), 0.0)
        for message, result in zip(messages, results, strict=True)
        if result == "applied" and message["schema"] in SUBJECT_FACTS
    ]


def apply_message(
    store: ApplyStore, message: Mapping[str, Any], now: datetime | None = None
) -> Result:
    """Apply a message loaded by `schemas.messages.load_message` in the store's transaction.

    "duplicate": its id (or its run) was seen before; "stale": nothing newer in it;
    "applied": something changed. The caller commits, then acknowledges the message.
    """
    check_handled(message)
    now = now or datetime.now(UTC)
    if not store.record_message(message["message_id"], now):
        return "duplicate"
    match message["schema"]:
        case "campaign.run_requested/1":
            return _run_requested(store, message, now)
        case "campaign.control/1":
            return _control(store, message, now)
        case "optin.confirmation_requested/1":
            return _confirmation_requested(store, message, now)
        case "subject.preferences_link_requested/1":
            return _preferences_link_requested(store, message, now)
        case "campaign.test_requested/1":
            return _test_requested(store, message, now)
    fact = fact_from(message)
    store.lock(fact.subject_id)
    if isinstance(fact, Erased):
        store.confirmations.delete_of(fact.subject_id)
    before = store.load(fact.subject_id)
    after, outcome = recipients.apply(before, fact)
    if outcome == "applied":
        store.save(before, after, now)
    return outcome


def _run_requested(store: ApplyStore, message: Mapping[str, Any], now: datetime) -> Result:
    """Record the run as planned; the sender plans it (a run id seen before is a duplicate)."""
    run = RunRecord(
        run_id=message["run_id"],
        campaign_id=message["campaign_id"],
        campaign_name=message["campaign_name"],
        purpose=message["purpose"],
        default_locale=message["default_locale"],
        content=message["content"],
        status=runs.RUN_PLANNED,
        layout=message.get("layout"),
        retry_of=message.get("retry_of"),
    )
    return "applied" if store.campaigns.add_run(run, now) else "duplicate"


def _control(store: ApplyStore, message: Mapping[str, Any], now: datetime) -> Result:
    """Keep the newest lifecycle state; a cancellation also cancels the unfinished runs."""
    campaign_id, state = message["campaign_id"], message["state"]
    if not store.campaigns.set_state(campaign_id, state, message["version"]):
        return "stale"
    if state == runs.CAMPAIGN_CANCELLED:
        store.campaigns.cancel_unfinished_runs(campaign_id, now)
    return "applied"


def _erased_since(store: ApplyStore, message: Mapping[str, Any]) -> bool:
    """Whether the person was erased after the email was asked for (locks the subject)."""
    subject_id = message["subject_id"]
    store.lock(subject_id)
    erased = store.load(subject_id).erased_version
    return erased is not None and message["version"] <= erased


def _confirmation_requested(store: ApplyStore, message: Mapping[str, Any], now: datetime) -> Result:
    """Queue the double opt-in email, unless the person was erased since it was asked for."""
    if _erased_since(store, message):
        return "stale"
    store.confirmations.queue(
        message["message_id"],
        message["subject_id"],
        message["email"],
        message["locale"],
        message["confirm_url"],
        message["purposes"],
        now,
    )
    return "applied"


def _preferences_link_requested(
    store: ApplyStore, message: Mapping[str, Any], now: datetime
) -> Result:
    """Queue the email with a preference-centre link, in the same queue as confirmations."""
    if _erased_since(store, message):
        return "stale"
    store.confirmations.queue(
        message["message_id"],
        message["subject_id"],
        message["email"],
        message["locale"],
        message["preferences_url"],
        [],
        now,
        kind=PREFERENCES,
    )
    return "applied"


def _test_requested(store: ApplyStore, message: Mapping[str, Any], now: datetime) -> Result:
    """Queue one test email per address, in the queue of transactional emails: a test is no
    run, so it has no send ledger, counts nothing and checks no consent. Each gets an id of
    its own, derived from the message's, and a stand-in subject id (it is nobody's email)."""
    campaign = {
        "campaign_id": str(message["campaign_id"]),
        "campaign_name": message["campaign_name"],
        "purpose": message["purpose"],
        "default_locale": message["default_locale"],
        "content": message["content"],
        "layout": message.get("layout"),
    }
    for address in message["to"]:
        key = f"{message['message_id']}:{address.casefold()}"
        store.confirmations.queue(
            uuid.uuid5(uuid.NAMESPACE_URL, f"test-email:{key}"),
            uuid.uuid5(uuid.NAMESPACE_URL, f"test-recipient:{key}"),
            address,
            message["locale"],
            "",
            [message["purpose"]],
            now,
            kind=CAMPAIGN_TEST,
            content=campaign,
        )
    return "applied"
