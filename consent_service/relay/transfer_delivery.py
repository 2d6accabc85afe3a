"""The relay's third job: delivering queued direct transfers (GDPR Art. 20(2), decision 0013).

For each due transfer the relay builds the person's full export (the same one
`GET .../export` answers, mailer part included), signs it and POSTs it to the recipient's
registered URL, retrying with backoff (domain/transfers.py). The final outcome, delivered or
failed, is proved by a ledger entry of kind `transfer` (source `admin`, actor the name of the
API key that asked; evidence names the recipient, the outcome and the last answer, never the
body). Like every ledger entry it raises the subject's version, announced as a
`subject.updated/1` with nothing changed so the mailer's view keeps the same version
(decision 0006: every version has its message).

In the relay because it already runs wherever the registry does (one per SQLite instance,
any number on PostgreSQL, where transfers are claimed with SKIP LOCKED and a lease), and a
transfer, like an outbox row, is committed work waiting to leave the registry.
"""

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters.export_requests import exporter_for
from consent_service.adapters.transfer_client import HttpPoster
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.config import Settings
from consent_service.domain.errors import SubjectNotFound
from consent_service.domain.transfers import (
    InvalidRecipient,
    TransferStatus,
    Verdict,
    retry_delay,
    signature,
    url_refusal,
    verdict,
)
from consent_service.services.export import Exporter, MailerPartUnavailable
from consent_service.services.ledger_writer import Entry, Evidence, LedgerBatch
from consent_service.services.ports import Repository, UnitOfWork
from consent_service.services.ports.transfers import Poster, RecipientRow, TransferRow
from consent_service.services.subject_changes import subject_updated_message
from consent_service.services.transfers import vetted_addresses

log = logging.getLogger(__name__)

SOURCE = "admin"
KIND = "transfer"
LEASE = timedelta(minutes=2)
"""An attempt takes at most the export's and the POST's timeouts (about 20 s); a transfer
whose relay died mid-attempt is taken again when this runs out."""
ACTOR_LENGTH = 64
POST_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Attempt:
    verdict: Verdict
    detail: str


class TransferWorker:
    """Delivers due transfers one at a time: claim (short transaction), attempt, record."""

    def __init__(
        self,
        uow: UnitOfWork,
        exporter: Exporter,
        poster: Poster,
        *,
        production: bool,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.uow = uow
        self.exporter = exporter
        self.poster = poster
        self.production = production
        self.clock = clock

    def run(self, should_stop: Callable[[], bool], idle: float = 0.5) -> None:
        """Deliver until stopped; a failing database is logged and tried again."""
        while not should_stop():
            try:
                worked = self.step()
            except Exception:  # the database may be away for a while
                log.exception("transfer step failed", extra={"event": "transfer_step_failed"})
                worked = False
            if not worked:
                time.sleep(idle)

    def step(self) -> bool:
        """One attempt of the oldest due transfer; False when none is due."""
        now = self.clock()
        with self.uow.transaction() as registry:
            claim = registry.transfers.claim_due(now, now + LEASE)
            recipient = registry.transfers.recipient(claim.recipient) if claim else None
        if claim is None:
            return False
        attempt = self._attempt(claim, recipient)
        outcome = self._record(claim, attempt)
        log.log(
            logging.INFO if outcome == TransferStatus.DELIVERED else logging.WARNING,
            "transfer attempt",
            extra={
                "event": f"transfer_{outcome}",
                "transfer_id": str(claim.id),
                "recipient": claim.recipient,
                "attempt": claim.attempts,
                "detail": attempt.detail,
            },
        )
        return True

    def _attempt(self, claim: TransferRow, recipient: RecipientRow | None) -> Attempt:
        if recipient is None:
            return Attempt(Verdict.FAILED, "the recipient is no longer registered")
        refusal = url_refusal(recipient.url, production=self.production)
        if refusal is not None:
            return Attempt(Verdict.FAILED, f"the recipient's URL is refused: {refusal}")
        connect_to = None
        if self.production:
            try:
                connect_to = vetted_addresses(self.poster, recipient.url)
            except InvalidRecipient as refused:
                return Attempt(Verdict.FAILED, refused.message)
            except OSError as error:
                return Attempt(Verdict.RETRY, f"the recipient's host does not resolve: {error}")
        try:
            export = self.exporter.export(claim.subject_id)
        except SubjectNotFound:
            return Attempt(Verdict.FAILED, "the subject is no longer held")
        except MailerPartUnavailable:
            return Attempt(Verdict.RETRY, "the mailer's part of the export is unavailable")
        body = json.dumps(export, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(self.clock().timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Consent-Timestamp": str(timestamp),
            "X-Consent-Signature": signature(recipient.secret, timestamp, body),
            "X-Consent-Transfer-Id": str(claim.id),
        }
        result = self.poster.post(recipient.url, body, headers, connect_to=connect_to)
        return Attempt(verdict(result.status), result.detail)

    def _record(self, claim: TransferRow, attempt: Attempt) -> str:
        """Store what the attempt came to; the final outcome also goes into the ledger."""
        now = self.clock()
        with self.uow.transaction() as registry:
            if attempt.verdict is Verdict.RETRY:
                delay = retry_delay(claim.attempts)
                if delay is not None:
                    registry.transfers.retry_later(claim, now + delay, attempt.detail)
                    return "retry"
            status = (
                TransferStatus.DELIVERED
                if attempt.verdict is Verdict.DELIVERED
                else TransferStatus.FAILED
            )
            error = None if status is TransferStatus.DELIVERED else attempt.detail
            if registry.transfers.finish(claim, status.value, now, error):
                _prove(registry, claim, status, attempt.detail, now)
            return status.value


def _prove(
    registry: Repository, claim: TransferRow, status: TransferStatus, detail: str, now: datetime
) -> None:
    """The ledger entry of a finished transfer, with the subject's new version and message.

    An erased subject gets none: its ledger is pseudonymised and closed.
    """
    subject = registry.subject_by_id(claim.subject_id, for_update=True)
    if subject is None:
        return
    evidence = {
        "transfer_id": str(claim.id),
        "recipient": claim.recipient,
        "outcome": status.value,
        "attempts": str(claim.attempts),
        "answer": detail[:200],
    }
    batch = LedgerBatch()
    batch.follow(registry, subject.id, subject.version)
    entry = Entry(
        kind=KIND,
        source=SOURCE,
        actor=claim.requested_by[:ACTOR_LENGTH],
        recorded_at=now,
        evidence=Evidence(evidence),
    )
    subject.version, subject.updated_at = batch.add(subject.id, entry), now
    registry.set_subject_version(subject.id, subject.version, now)
    routing_key, body = subject_updated_message(subject, [], now)
    batch.announce(subject.id, routing_key, body, now)
    batch.write(registry)


def start_transfer_delivery(
    settings: Settings, sessions: sessionmaker[Session], stop: Callable[[], bool]
) -> threading.Thread:
    """Deliver transfers in a thread of the relay until `stop()` says so."""
    worker = TransferWorker(
        SqlUnitOfWork(sessions),
        exporter_for(settings, sessions),
        HttpPoster(POST_TIMEOUT_SECONDS),
        production=settings.production,
    )
    thread = threading.Thread(target=worker.run, args=(stop,), name="transfers", daemon=True)
    thread.start()
    return thread
