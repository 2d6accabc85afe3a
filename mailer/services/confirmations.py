"""Double opt-in emails, emails with a preference-centre link the person asked for, and
campaigns' test emails to staff: queued by the consumer, sent by the sender's loop, each at
most once.

A confirmation is transactional: it goes whatever the person's consents say (it is how they
give one) and does not count towards the frequency cap. Like a campaign email it is claimed
and committed before the backend is called; its address is cleared as soon as the outcome is
known, and one left claimed by a worker that stopped is recorded as `unknown`, never resent.
"""

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from mailer.domain import send_ledger
from mailer.domain.confirmations import CAMPAIGN_TEST, PREFERENCES, QueuedEmail
from mailer.domain.outgoing import EmailBackend, Outgoing
from mailer.services.compose import confirmation_email, preferences_link_email
from mailer.services.unit_of_work import Transaction
from plumbing.shop import Shop

log = logging.getLogger(__name__)

CHUNK = 50
CLAIM_TIMEOUT = timedelta(minutes=15)
"""Longer than any backend's bounded retries of one message; a claim older than this was
left by a worker that stopped."""


class ConfirmationQueue(Protocol):
    """The queue of transactional emails, as the sender empties it."""

    def expire_claims(self, claimed_before: datetime, now: datetime) -> int:
        """Claims older than `claimed_before` become `unknown`, their address forgotten."""
        ...

    def claim(self, now: datetime, limit: int) -> list[QueuedEmail]:
        """Take up to `limit` queued emails, oldest first."""
        ...

    def release(self, message_ids: Sequence[uuid.UUID]) -> None:
        """Put claimed emails that were not handed to the backend back in the queue."""
        ...

    def finish(
        self, message_id: uuid.UUID, state: str, now: datetime, reason: str | None = None
    ) -> None:
        """Record what became of a claimed email and forget its address."""
        ...


class ConfirmationStore(Protocol):
    """What sending confirmations needs of one transaction."""

    @property
    def confirmations(self) -> ConfirmationQueue: ...


def send_confirmations(
    transaction: Transaction[ConfirmationStore],
    backend: EmailBackend,
    default_locale: str,
    now: Callable[[], datetime],
    wait_for: Callable[[int], bool],
    shop: Shop,
    compose_test: Callable[[QueuedEmail], Outgoing] | None = None,
) -> int:
    """Send up to CHUNK queued confirmation emails; how many were handed to the backend.

    `wait_for(n)` waits for the throttle and answers True if the worker is stopping, in
    which case the confirmations not yet sent go back to the queue untouched.
    `compose_test` composes a campaign's test email (`services.test_emails`); without it a
    test email fails.
    """
    with transaction() as store:
        store.confirmations.expire_claims(now() - CLAIM_TIMEOUT, now())
        claimed = store.confirmations.claim(now(), CHUNK)
    for position, row in enumerate(claimed):
        if wait_for(1):
            with transaction() as store:
                store.confirmations.release([r.message_id for r in claimed[position:]])
            return position
        _send(transaction, backend, default_locale, row, now, shop, compose_test)
    return len(claimed)


def _compose(
    row: QueuedEmail,
    default_locale: str,
    shop: Shop,
    compose_test: Callable[[QueuedEmail], Outgoing] | None,
) -> Outgoing:
    if row.kind == CAMPAIGN_TEST:
        if compose_test is None:
            raise ValueError("this worker cannot compose test emails")
        return compose_test(row)
    if row.kind == PREFERENCES:
        return preferences_link_email(
            row.subject_id, row.address, row.locale, default_locale, row.confirm_url, shop
        )
    return confirmation_email(
        row.subject_id,
        row.address,
        row.locale,
        default_locale,
        row.confirm_url,
        row.purposes,
        shop,
    )


def _send(
    transaction: Transaction[ConfirmationStore],
    backend: EmailBackend,
    default_locale: str,
    row: QueuedEmail,
    now: Callable[[], datetime],
    shop: Shop,
    compose_test: Callable[[QueuedEmail], Outgoing] | None = None,
) -> None:
    reason: str | None
    try:
        outgoing = _compose(row, default_locale, shop, compose_test)
    # Nothing was handed to the backend, so `failed` is the truth whatever went wrong.
    except Exception as error:
        log.exception("confirmation email not composed", extra={"event": "confirmation_failed"})
        state, reason = send_ledger.FAILED, f"composition: {type(error).__name__}: {error}"
    else:
        outcomes = backend.send(outgoing)
        outcome = outcomes[0] if outcomes else None
        state = send_ledger.ledger_state(outcome.kind) if outcome else send_ledger.UNKNOWN
        reason = outcome.reason if outcome else send_ledger.NO_OUTCOME
    with transaction() as store:
        store.confirmations.finish(row.message_id, state, now(), reason)
    log.info(
        "confirmation email finished",
        extra={
            "event": "confirmation_finished",
            "message_id": str(row.message_id),
            "subject_id": str(row.subject_id),
            "outcome": state,
        },
    )
