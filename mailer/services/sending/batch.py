"""Sending one batch: claim it, wait for the throttle, pass the fence, check, claim the rows,
commit, hand them to the backend, record the outcomes, close the batch.

The order is what makes the send ledger at most once (decision 0008): the rows are claimed
and committed before the backend is called, each backend answer is written in a transaction
of its own, and whatever has no answer when the batch closes is `unknown`, never sent again.
A batch of a cancelled or failed run is drained instead: its planned rows are cancelled.
"""

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from mailer.config import SendingSettings
from mailer.domain import runs, send_ledger
from mailer.domain.outgoing import EmailBackend, Outcome, Person
from mailer.domain.runs import BatchClaim, RunCounts
from mailer.services.compose import CompositionError
from mailer.services.meters import NO_METER, Meter
from mailer.services.sending.composers import ComposerCache
from mailer.services.sending.fence_gate import FenceGate
from mailer.services.sending.lease import batch_extra, lease_kept
from mailer.services.sending.ports import Clock, SenderStore, Throttle
from mailer.services.unit_of_work import Transaction
from plumbing.catch_up import bucket_of

log = logging.getLogger(__name__)


class BatchSender:
    """Sends (or drains) one batch at a time for one worker."""

    def __init__(
        self,
        transaction: Transaction[SenderStore],
        backend: EmailBackend,
        fence: FenceGate,
        throttle: Throttle,
        composers: ComposerCache,
        sending: SendingSettings,
        lease: timedelta,
        clock: Clock,
        meter: Meter = NO_METER,
    ) -> None:
        self.transaction = transaction
        self.meter = meter
        self.backend = backend
        self.fence = fence
        self.throttle = throttle
        self.composers = composers
        self.sending = sending
        self.lease = lease
        self.clock = clock

    def send_next_batch(self) -> bool:
        """Take one batch and send it (or drain it, for a cancelled run); False if none."""
        now = self.clock.now()
        with self.transaction() as store:
            claim = store.batches.claim(now, now + self.lease, sending=self.fence.is_open)
        if claim is None:
            return False
        with lease_kept(self.transaction, claim, self.lease, self.clock):
            if claim.run.status in runs.RUN_DRAINED:
                self._drain(claim)
            else:
                self._send(claim)
        return True

    def _send(self, claim: BatchClaim) -> None:
        started = self.clock.monotonic()
        run = claim.run
        with self.transaction() as store:
            planned = store.ledger.planned(run.run_id, claim.batch_no)
        if self.throttle.wait_for_batch(len(planned)):
            return self._release(claim, len(planned))
        checked = self.clock.monotonic()  # the check begins with the fence (guarantee 1)
        if not self.fence.passes(claim, planned):
            return self._release(claim, len(planned))
        people = self._check(claim, planned)
        self.throttle.give_back(len(planned) - len(people or ()))
        if people is None:
            return None
        try:
            composer = self.composers.composer(run)
            groups = composer.compose(people, max_envelopes=self.backend.max_envelopes)
        except CompositionError as error:
            return self._fail_run(claim, people, str(error))
        for group in groups:
            self.meter.handed_off(self.clock.monotonic() - checked)
            self._record(run.run_id, self.backend.send(group))
        self._finish(claim, started)
        return None

    def _check(self, claim: BatchClaim, planned: Sequence[uuid.UUID]) -> list[Person] | None:
        """The send-time check: skip who is not `granted` or is over the cap, claim the rest
        (`send_ledger.check_batch`).

        One transaction, committed before anything reaches the backend. None if the batch is
        not to be sent now (lost to another worker, campaign paused, run cancelled).
        """
        run, now, cap = claim.run, self.clock.now(), self.sending.frequency_cap
        with self.transaction() as store:
            if cap is not None:
                # Serialise checks of the same people (PostgreSQL; SQLite holds the whole
                # database), so two runs' batches cannot both see them under the cap.
                for bucket in sorted({bucket_of(str(i)) for i in planned}):
                    store.lock_bucket(bucket)
            held = store.batches.hold(claim, now + self.lease)
            if held is None:
                log.warning("batch lost to another worker", extra=batch_extra(claim))
                return None
            action = runs.at_check(*held)
            if action == runs.DRAIN:
                self._drain_in(store, claim, now)
                return None
            if action == runs.RELEASE:
                store.batches.release(claim)
                return None
            found = store.ledger.people(planned, run.purpose)
            recent = store.ledger.recent_emails(planned, now - cap.period) if cap else {}
            check = send_ledger.check_batch(planned, found, recent, cap.emails if cap else None)
            for (state, reason), ids in check.skipped.items():
                store.ledger.mark(run.run_id, ids, send_ledger.PLANNED, state, now, reason)
            chosen = list(check.chosen)
            claimed = store.ledger.mark(
                run.run_id, chosen, send_ledger.PLANNED, send_ledger.CLAIMED, now
            )
        return [check.chosen[subject_id] for subject_id in claimed]

    def _record(self, run_id: uuid.UUID, outcomes: Iterable[Outcome]) -> None:
        """Write the backend's outcomes of one group to the ledger in one transaction (rows
        it gave no outcome for stay claimed, and become `unknown` when the batch closes)."""
        moves = send_ledger.by_state(outcomes)
        now = self.clock.now()
        with self.transaction() as store:
            for (state, reason), ids in moves.items():
                store.ledger.mark(run_id, ids, send_ledger.CLAIMED, state, now, reason)

    def _finish(self, claim: BatchClaim, started: float) -> None:
        with self.transaction() as store:
            finished = store.batches.finish(claim, self.clock.now())
        if finished is None:
            log.warning("batch lost to another worker", extra=batch_extra(claim))
            return
        for outcome, count in email_outcomes(finished.counts).items():
            self.meter.emails(outcome, count)
        elapsed = max(self.clock.monotonic() - started, 1e-6)
        log.info(
            "batch sent",
            extra={
                **batch_extra(claim),
                "event": "batch_sent",
                "attempt": claim.attempt,
                **finished.counts.as_dict(),
                "taken_over": claim.taken_over,
                "seconds": round(elapsed, 3),
                "rate": round(finished.counts.sent / elapsed, 1),
            },
        )
        if finished.run_status == runs.RUN_COMPLETED:
            log_finished(claim.run.run_id, runs.RUN_COMPLETED)

    def _release(self, claim: BatchClaim, reserved: int) -> None:
        self.throttle.give_back(reserved)
        with self.transaction() as store:
            store.batches.release(claim)

    def _drain(self, claim: BatchClaim) -> None:
        with self.transaction() as store:
            self._drain_in(store, claim, self.clock.now())

    @staticmethod
    def _drain_in(store: SenderStore, claim: BatchClaim, now: datetime) -> None:
        """Close a batch of a cancelled or failed run without sending: planned rows are
        cancelled (rows claimed by a dead worker became `unknown` when it was claimed)."""
        run_id = claim.run.run_id
        store.ledger.mark_batch(
            run_id, claim.batch_no, send_ledger.PLANNED, send_ledger.CANCELLED, now
        )
        store.batches.finish(claim, now)

    def _fail_run(self, claim: BatchClaim, people: list[Person], reason: str) -> None:
        """The content cannot be rendered: nothing was sent, so the claimed rows `failed`."""
        run_id, now = claim.run.run_id, self.clock.now()
        with self.transaction() as store:
            if store.batches.hold(claim, now + self.lease) is None:
                return
            ids = [person.subject_id for person in people]
            store.ledger.mark(run_id, ids, send_ledger.CLAIMED, send_ledger.FAILED, now, reason)
            store.batches.fail_run(run_id, reason, now)
            self._drain_in(store, claim, now)
        log.error(
            "run failed: %s",
            reason,
            extra={"event": "run_failed", "run_id": str(run_id), "reason": reason},
        )


def email_outcomes(counts: RunCounts) -> dict[str, int]:
    """A closed batch's emails by the outcome the metrics name (both kinds of skip are one)."""
    return {
        "sent": counts.sent,
        "skipped": counts.skipped_withdrawn + counts.skipped_capped,
        "failed": counts.failed,
        "unknown": counts.unknown,
    }


def log_finished(run_id: uuid.UUID, status: str) -> None:
    log.info("run %s", status, extra={"event": f"run_{status}", "run_id": str(run_id)})
