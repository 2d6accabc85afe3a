"""The sender: plans runs, sends their batches and the confirmation emails, publishes reports.

Every `mailer work` runs two sender threads beside its consumer: one for campaigns (`run`)
and one for confirmation emails (`run_confirmations`), so that a slow or stuck campaign batch
never holds up a person waiting for their double opt-in email (decision 0018).

The work queue is the database: a run is planned into the send ledger and cut into batches
in one transaction, and any number of workers lease batches from it
(docs/decisions/0008-campaign-runs.md). For each batch a worker waits for its throttle,
brings the batch's recipients up to date with the registry (the fence), checks each one's
status for the purpose and the frequency cap, commits its claims, and only then hands the
emails to the backend (`batch.BatchSender`). A worker that dies mid-batch loses its lease
and another takes the batch over; what the dead one had claimed is recorded as `unknown`,
never sent again.
"""

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from mailer.config import SendingSettings
from mailer.domain import runs
from mailer.domain.outgoing import EmailBackend
from mailer.domain.runs import RunRecord
from mailer.services.compose import CampaignComposer
from mailer.services.confirmations import send_confirmations
from mailer.services.fence import RegistryCheck
from mailer.services.meters import NO_METER, Meter
from mailer.services.reports import ReportNotPublished, ReportSink, pump_reports
from mailer.services.sending.batch import BatchSender, log_finished
from mailer.services.sending.composers import ComposerCache
from mailer.services.sending.fence_gate import FenceGate
from mailer.services.sending.pace import SendPace
from mailer.services.sending.ports import Clock, Composer, SenderStore, SystemClock, Throttle
from mailer.services.test_emails import TestEmails
from mailer.services.unit_of_work import Transaction
from plumbing.templates.renderer import TemplateRenderer, shared_renderer
from plumbing.tokens import LinkSigner

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
"""How long a batch stays a worker's without news from it. The worker renews it every third
of that while it holds the batch (through throttle waits, the fence and the backend's own
bounded retries alike), so only a worker that died or hangs loses it."""

IDLE_SECONDS = 0.25
POLL_SECONDS = 0.05
REPORT_RETRY_SECONDS = 5.0
ERROR_SECONDS = 1.0


class Sender:
    """One worker's sending loop; `run()` until `stop()`.

    `registry_client` is None when the mailer has no key for the registry: batches then wait
    (the fence cannot be passed), while planning, draining cancelled runs, confirmations and
    reports go on. `reports` None publishes nothing (tests of other things). `renderer`
    renders the campaigns' templates (the process's shared one by default); `composer_for`
    makes a run's composer (a `CampaignComposer` with that renderer by default); `throttle`
    defaults to MAILER_SEND_RATE on `clock`; `meter` keeps the figures of the fence, the
    check-to-handoff window and the emails' outcomes.
    """

    def __init__(
        self,
        transaction: Transaction[SenderStore],
        backend: EmailBackend,
        registry_client: RegistryCheck | None,
        reports: ReportSink | None,
        sending: SendingSettings,
        *,
        lease: timedelta = LEASE,
        clock: Clock | None = None,
        renderer: TemplateRenderer | None = None,
        composer_for: Callable[[RunRecord], Composer] | None = None,
        throttle: Throttle | None = None,
        meter: Meter = NO_METER,
    ) -> None:
        self.transaction = transaction
        self.backend = backend
        self.reports = reports
        self.sending = sending
        self.clock = clock or SystemClock()
        self.throttle = throttle or SendPace(sending.send_rate, self.clock.monotonic, self.sleep)
        self.renderer = renderer or shared_renderer()
        self._links = LinkSigner(sending.secret_key)
        self._tests = TestEmails(self._links, sending.public_base_url, sending.shop, self.renderer)
        self.fence = FenceGate(transaction, registry_client, self.clock, lease, meter)
        self.batches = BatchSender(
            transaction,
            backend,
            self.fence,
            self.throttle,
            ComposerCache(composer_for or self._campaign_composer),
            sending,
            lease,
            self.clock,
            meter,
        )
        self._stop_requested = False
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

    def plan_next_run(self) -> bool:
        """Plan the oldest planned run, all in the database; False if there was none."""
        now = self.clock.now()
        with self.transaction() as store:
            run = store.planning.next_planned_run()
            if run is None:
                return False
            recipients, batches = store.planning.plan(run, self.sending.batch_size, now)
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
            log_finished(run.run_id, runs.RUN_COMPLETED)
        return True

    def send_next_batch(self) -> bool:
        """Take one batch and send it (or drain it, for a cancelled run); False if none."""
        return self.batches.send_next_batch()

    def send_confirmations(self) -> int:
        return send_confirmations(
            self.transaction,
            self.backend,
            self.sending.default_locale,
            self.clock.now,
            self.throttle.wait_for_confirmation,
            self.sending.shop,
            self._tests.compose,
        )

    def publish_reports(self) -> None:
        if self.reports is None or self.clock.monotonic() < self._reports_paused_until:
            return
        try:
            pump_reports(self.transaction, self.reports, self.clock.now)
        except ReportNotPublished as error:
            self._reports_paused_until = self.clock.monotonic() + REPORT_RETRY_SECONDS
            log.warning(
                "reports wait for the broker: %s",
                error,
                extra={"event": "reports_delayed", "error": str(error)},
            )

    def _campaign_composer(self, run: RunRecord) -> Composer:
        return CampaignComposer(
            run.content,
            run.default_locale,
            run.purpose,
            run.campaign_id,
            run.run_id,
            self._links,
            self.sending.public_base_url,
            self.sending.shop,
            self.renderer,
            layout=run.layout,
        )
