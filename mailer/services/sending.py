"""The sender: plans runs, sends their batches and the confirmation emails, publishes reports.

Every `mailer work` runs two sender threads beside its consumer: one for campaigns (`run`)
and one for confirmation emails (`run_confirmations`), so that a slow or stuck campaign batch
never holds up a person waiting for their double opt-in email (decision 0018).

The work queue is the database: a run is planned into the send ledger and cut into batches
in one transaction, and any number of workers lease batches from it
(docs/decisions/0008-campaign-runs.md). For each batch a worker waits for its throttle,
brings the batch's recipients up to date with the registry (the fence), checks each one's
status for the purpose and the frequency cap, commits its claims, and only then hands the
emails to the backend. A worker that dies mid-batch loses its lease and another takes the
batch over; what the dead one had claimed is recorded as `unknown`, never sent again.
"""

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from mailer.adapters.repository import RecipientStore
from mailer.adapters.run_store import BatchClaim, RunRecord
from mailer.config import SendingSettings
from mailer.domain import runs
from mailer.domain.outgoing import EmailBackend, Outcome, Person
from mailer.domain.throttle import TokenBucket
from mailer.services.catchup import Transaction
from mailer.services.compose import CampaignComposer, CompositionError
from mailer.services.confirmations import send_confirmations
from mailer.services.fence import FenceUnavailable, RegistryCheck, bring_up_to_date
from mailer.services.reports import ReportNotPublished, ReportSink, pump_reports
from plumbing.catch_up import bucket_of
from plumbing.templates.renderer import TemplateRenderer, shared_renderer
from plumbing.tokens import LinkSigner

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
"""How long a batch stays a worker's without news from it. The worker renews it every third
of that while it holds the batch (through throttle waits, the fence and the backend's own
bounded retries alike), so only a worker that died or hangs loses it."""

IDLE_SECONDS = 0.25
POLL_SECONDS = 0.05
FENCE_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""Waits before trying to send again while the registry cannot be asked."""
REPORT_RETRY_SECONDS = 5.0
ERROR_SECONDS = 1.0
COMPOSERS_KEPT = 16


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Sender:
    """One worker's sending loop; `run()` until `stop()`.

    `registry` is None when the mailer has no key for it: batches then wait (the fence
    cannot be passed), while planning, draining cancelled runs, confirmations and reports go
    on. `reports` None publishes nothing (tests of other things). `renderer` renders the
    campaigns' templates (the process's shared one by default).
    """

    def __init__(
        self,
        transaction: Transaction,
        backend: EmailBackend,
        registry: RegistryCheck | None,
        reports: ReportSink | None,
        sending: SendingSettings,
        *,
        lease: timedelta = LEASE,
        now: Callable[[], datetime] = _utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        renderer: TemplateRenderer | None = None,
    ) -> None:
        self.transaction = transaction
        self.backend = backend
        self.registry = registry
        self.reports = reports
        self.sending = sending
        self.lease = lease
        self.now = now
        self.monotonic = monotonic
        self.throttle = TokenBucket(sending.send_rate)
        self._confirmation_pace = TokenBucket(sending.send_rate)
        self._throttle_lock = threading.Lock()
        self.renderer = renderer or shared_renderer()
        self._links = LinkSigner(sending.secret_key)
        self._composers: OrderedDict[uuid.UUID, CampaignComposer] = OrderedDict()
        self._stop_requested = False
        self._fence_failures = 0
        self._fence_closed_until = 0.0
        self._reports_paused_until = 0.0

    def stop(self) -> None:
        """Finish the batch in hand, then leave `run()`; only sets a flag (signal-safe)."""
        self._stop_requested = True

    @property
    def stopping(self) -> bool:
        return self._stop_requested

    def sleep(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early on `stop()`; True if stopping."""
        deadline = time.monotonic() + seconds
        while not self._stop_requested and time.monotonic() < deadline:
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))
        return self._stop_requested

    def run(self) -> None:
        """Send campaigns until stopped, surviving database and other errors; report one
        last time."""
        while not self._stop_requested:
            try:
                busy = self.step()
            except Exception:  # a database outage, or a bug: log, wait, go on
                log.exception("sender failed; retrying", extra={"event": "sender_failed"})
                self.sleep(ERROR_SECONDS)
                continue
            if not busy:
                self.sleep(IDLE_SECONDS)
        try:
            self.publish_reports()
        except Exception:  # stopping anyway; the reports go next time
            log.exception("last reports not published", extra={"event": "sender_failed"})

    def run_confirmations(self) -> None:
        """Send confirmation emails until stopped, in a thread of their own beside `run`."""
        while not self._stop_requested:
            try:
                sent = self.send_confirmations()
            except Exception:  # a database outage, or a bug: log, wait, go on
                log.exception("confirmations failed; retrying", extra={"event": "sender_failed"})
                self.sleep(ERROR_SECONDS)
                continue
            if not sent:
                self.sleep(IDLE_SECONDS)

    def step(self) -> bool:
        """One round of campaign work: plan a run, send one batch, publish reports.

        True if there was anything to do (the loop then goes on without waiting).
        """
        busy = self.plan_next_run()
        busy = self.send_next_batch() or busy
        self.publish_reports()
        return busy

    # Planning.

    def plan_next_run(self) -> bool:
        """Plan the oldest planned run, all in the database; False if there was none."""
        now = self.now()
        with self.transaction() as store:
            run = store.runs.next_planned_run()
            if run is None:
                return False
            recipients, batches = store.runs.plan(run, self.sending.batch_size, now)
        log.info(
            "run planned",
            extra={
                "event": "run_planned",
                "run_id": str(run.run_id),
                "campaign_id": str(run.campaign_id),
                "purpose": run.purpose,
                "recipients": recipients,
                "batches": batches,
            },
        )
        if batches == 0:
            _log_finished(run.run_id, "completed")
        return True

    # Confirmations and reports.

    def send_confirmations(self) -> int:
        return send_confirmations(
            self.transaction,
            self.backend,
            self.sending.default_locale,
            self.now,
            self.wait_for_confirmation,
            self.sending.shop,
        )

    def publish_reports(self) -> None:
        if self.reports is None or self.monotonic() < self._reports_paused_until:
            return
        try:
            pump_reports(self.transaction, self.reports, self.now)
        except ReportNotPublished as error:
            self._reports_paused_until = self.monotonic() + REPORT_RETRY_SECONDS
            log.warning(
                "reports wait for the broker: %s",
                error,
                extra={"event": "reports_delayed", "error": str(error)},
            )

    def wait_for_throttle(self, emails: int) -> bool:
        """Wait until `emails` more may go at MAILER_SEND_RATE; True if stopping."""
        with self._throttle_lock:
            wait = self.throttle.reserve(emails, self.monotonic())
        return self.sleep(wait) if wait > 0 else self._stop_requested

    def wait_for_confirmation(self, emails: int) -> bool:
        """Like `wait_for_throttle`, but never behind the wait of a campaign batch, which
        reserves a whole batch at once: confirmations keep their own pace at the same rate,
        and what they spend is charged to the campaigns' bucket, so that over time the
        process still keeps to about MAILER_SEND_RATE."""
        with self._throttle_lock:
            now = self.monotonic()
            self.throttle.reserve(emails, now)
            wait = self._confirmation_pace.reserve(emails, now)
        return self.sleep(wait) if wait > 0 else self._stop_requested

    def _give_back(self, emails: int) -> None:
        with self._throttle_lock:
            self.throttle.give_back(emails, self.monotonic())

    # Batches.

    def send_next_batch(self) -> bool:
        """Take one batch and send it (or drain it, for a cancelled run); False if none."""
        fence_open = self.monotonic() >= self._fence_closed_until
        now = self.now()
        with self.transaction() as store:
            claim = store.runs.claim_batch(now, now + self.lease, sending=fence_open)
        if claim is None:
            return False
        with self._lease_kept(claim):
            if claim.run.status in runs.RUN_DRAINED:
                self._drain(claim)
            else:
                self._send(claim)
        return True

    def _send(self, claim: BatchClaim) -> None:
        started = self.monotonic()
        run = claim.run
        with self.transaction() as store:
            planned = store.runs.planned(run.run_id, claim.batch_no)
        if self.wait_for_throttle(len(planned)) or not self._pass_fence(claim, planned):
            return self._release(claim, len(planned))
        people = self._check(claim, planned)
        self._give_back(len(planned) - len(people or ()))
        if people is None:
            return None
        try:
            groups = self._composer(run).compose(people, max_envelopes=self.backend.max_envelopes)
        except CompositionError as error:
            return self._fail_run(claim, people, str(error))
        for group in groups:
            self._record(run, self.backend.send(group))
        self._finish(claim, started)
        return None

    def _pass_fence(self, claim: BatchClaim, planned: Sequence[uuid.UUID]) -> bool:
        """Bring the batch's recipients up to date with the registry; False if it can't be.

        The moment the check begins is recorded first and the registry asked after it, so
        every withdrawal the registry answered before that moment is in its answer.
        """
        now = self.now()
        with self.transaction() as store:
            if not store.runs.start_check(claim, now, now + self.lease):
                return False
        try:
            if self.registry is None:
                raise FenceUnavailable("MAILER_REGISTRY_KEY is not set")
            bring_up_to_date(self.transaction, self.registry, planned, claim.run.purpose, now)
        except FenceUnavailable as error:
            wait = FENCE_BACKOFF[min(self._fence_failures, len(FENCE_BACKOFF) - 1)]
            self._fence_failures += 1
            self._fence_closed_until = self.monotonic() + wait
            log.warning(
                "batch not sent: the registry cannot be asked (%s); retrying in %ss",
                error,
                wait,
                extra={
                    "event": "batch_fenced",
                    "run_id": str(claim.run.run_id),
                    "batch_no": claim.batch_no,
                    "error": str(error),
                    "retry_in": wait,
                },
            )
            return False
        self._fence_failures = 0
        return True

    def _check(self, claim: BatchClaim, planned: Sequence[uuid.UUID]) -> list[Person] | None:
        """The send-time check: skip who is not `granted` or is over the cap, claim the rest.

        One transaction, committed before anything reaches the backend. None if the batch is
        not to be sent now (lost to another worker, campaign paused, run cancelled).
        """
        run, now, cap = claim.run, self.now(), self.sending.frequency_cap
        with self.transaction() as store:
            if cap is not None:
                # Serialise checks of the same people (PostgreSQL; SQLite holds the whole
                # database), so two runs' batches cannot both see them under the cap.
                for bucket in sorted({bucket_of(str(i)) for i in planned}):
                    store.lock_bucket(bucket)
            held = store.runs.hold(claim, now + self.lease)
            if held is None:
                log.warning("batch lost to another worker", extra=_batch_extra(claim))
                return None
            status, state = held
            if status in runs.RUN_DRAINED:
                self._drain_in(store, claim, now)
                return None
            if state == "paused":
                store.runs.release(claim)
                return None
            found = store.runs.people(planned, run.purpose)
            recent = store.runs.recent_emails(planned, now - cap.period) if cap else {}
            skipped: dict[tuple[str, str], list[uuid.UUID]] = {}
            chosen: dict[uuid.UUID, Person] = {}
            for subject_id in planned:
                row = found.get(subject_id)
                current = row.status if row is not None and row.email else None
                suppressed = row is not None and row.suppressed
                decision = runs.decide(
                    current,
                    recent.get(subject_id, 0),
                    cap.emails if cap else None,
                    suppressed=suppressed,
                )
                if decision == runs.CLAIM and row is not None and row.email:
                    chosen[subject_id] = Person(subject_id, row.email, row.locale, row.name)
                else:
                    reason = "frequency cap" if decision == runs.SKIPPED_CAPPED else current
                    if suppressed and current == "granted":
                        reason = "suppressed"
                    skipped.setdefault((decision, reason or "not held"), []).append(subject_id)
            for (decision, reason), ids in skipped.items():
                store.runs.mark(run.run_id, ids, runs.PLANNED, decision, now, reason)
            claimed = store.runs.mark(run.run_id, list(chosen), runs.PLANNED, runs.CLAIMED, now)
        return [chosen[subject_id] for subject_id in claimed]

    def _record(self, run: RunRecord, outcomes: list[Outcome]) -> None:
        """Write the backend's outcomes of one group to the ledger in one transaction (rows
        it gave no outcome for stay claimed, and become `unknown` when the batch closes)."""
        by_state: dict[tuple[str, str | None], list[uuid.UUID]] = {}
        for outcome in outcomes:
            key = (runs.ledger_state(outcome.kind), outcome.reason)
            by_state.setdefault(key, []).append(outcome.subject_id)
        now = self.now()
        with self.transaction() as store:
            for (state, reason), ids in by_state.items():
                store.runs.mark(run.run_id, ids, runs.CLAIMED, state, now, reason)

    def _finish(self, claim: BatchClaim, started: float) -> None:
        with self.transaction() as store:
            finished = store.runs.finish_batch(claim, self.now())
        if finished is None:
            log.warning("batch lost to another worker", extra=_batch_extra(claim))
            return
        elapsed = max(self.monotonic() - started, 1e-6)
        log.info(
            "batch sent",
            extra={
                **_batch_extra(claim),
                "event": "batch_sent",
                "attempt": claim.attempt,
                **finished.counts.as_dict(),
                "taken_over": claim.taken_over,
                "seconds": round(elapsed, 3),
                "rate": round(finished.counts.sent / elapsed, 1),
            },
        )
        if finished.run_status == "completed":
            _log_finished(claim.run.run_id, "completed")

    def _release(self, claim: BatchClaim, reserved: int) -> None:
        self._give_back(reserved)
        with self.transaction() as store:
            store.runs.release(claim)

    def _drain(self, claim: BatchClaim) -> None:
        with self.transaction() as store:
            self._drain_in(store, claim, self.now())

    def _drain_in(self, store: RecipientStore, claim: BatchClaim, now: datetime) -> None:
        """Close a batch of a cancelled or failed run without sending: planned rows are
        cancelled (rows claimed by a dead worker became `unknown` when it was claimed)."""
        run = claim.run
        store.runs.mark_batch(run.run_id, claim.batch_no, runs.PLANNED, runs.CANCELLED, now)
        store.runs.finish_batch(claim, now)

    def _fail_run(self, claim: BatchClaim, people: list[Person], reason: str) -> None:
        """The content cannot be rendered: nothing was sent, so the claimed rows `failed`."""
        run, now = claim.run, self.now()
        with self.transaction() as store:
            if store.runs.hold(claim, now + self.lease) is None:
                return
            ids = [person.subject_id for person in people]
            store.runs.mark(run.run_id, ids, runs.CLAIMED, runs.FAILED, now, reason)
            store.runs.fail_run(run.run_id, reason, now)
            self._drain_in(store, claim, now)
        log.error(
            "run failed: %s",
            reason,
            extra={"event": "run_failed", "run_id": str(run.run_id), "reason": reason},
        )

    def _composer(self, run: RunRecord) -> CampaignComposer:
        """One composer per run, kept while the run is being sent (it caches renders)."""
        composer = self._composers.get(run.run_id)
        if composer is None:
            composer = CampaignComposer(
                run.content,
                run.default_locale,
                run.purpose,
                run.campaign_id,
                run.run_id,
                self._links,
                self.sending.public_base_url,
                self.sending.shop,
                self.renderer,
            )
            self._composers[run.run_id] = composer
            while len(self._composers) > COMPOSERS_KEPT:
                self._composers.popitem(last=False)
        self._composers.move_to_end(run.run_id)
        return composer

    @contextmanager
    def _lease_kept(self, claim: BatchClaim) -> Iterator[None]:
        """Renew the batch's lease every third of it while the block runs, in a thread."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self.lease.total_seconds() / 3):
                try:
                    with self.transaction() as store:
                        held = store.runs.hold(claim, self.now() + self.lease)
                except Exception:  # the next renewal may succeed
                    log.warning("lease not renewed", exc_info=True, extra=_batch_extra(claim))
                    continue
                if held is None:
                    return

        keeper = threading.Thread(target=renew, name="lease-keeper", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            done.set()
            keeper.join()


def _batch_extra(claim: BatchClaim) -> dict[str, object]:
    return {"run_id": str(claim.run.run_id), "batch_no": claim.batch_no}


def _log_finished(run_id: uuid.UUID, status: str) -> None:
    log.info("run %s", status, extra={"event": f"run_{status}", "run_id": str(run_id)})
