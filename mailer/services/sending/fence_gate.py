"""The send-time fence as the sender passes it, batch by batch, with a back-off while the
registry cannot be asked (docs/decisions/0008-campaign-runs.md).

While it is closed, the worker claims no batch to send (planning, draining cancelled runs,
confirmations and reports go on); a batch that found it closed goes back to the queue.
"""

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from mailer.domain.runs import BatchClaim
from mailer.services.fence import FenceUnavailable, RegistryCheck, bring_up_to_date
from mailer.services.meters import NO_METER, Meter
from mailer.services.sending.ports import Clock, SenderStore
from mailer.services.unit_of_work import Transaction

log = logging.getLogger(__name__)

FENCE_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""Waits before trying to send again while the registry cannot be asked."""


class FenceGate:
    """`registry_client` is None when the mailer has no key for the registry: the gate then
    never lets a batch through, and says why."""

    def __init__(
        self,
        transaction: Transaction[SenderStore],
        registry_client: RegistryCheck | None,
        clock: Clock,
        lease: timedelta,
        meter: Meter = NO_METER,
    ) -> None:
        self.transaction = transaction
        self.meter = meter
        self.registry_client = registry_client
        self.clock = clock
        self.lease = lease
        self._failures = 0
        self._closed_until = 0.0

    @property
    def is_open(self) -> bool:
        """Whether the back-off allows trying to send now."""
        return self.clock.monotonic() >= self._closed_until

    def passes(self, claim: BatchClaim, planned: Sequence[uuid.UUID]) -> bool:
        """Bring the batch's recipients up to date with the registry; False if it can't be.

        The moment the check begins is recorded first and the registry asked after it, so
        every withdrawal the registry answered before that moment is in its answer.
        """
        now = self.clock.now()
        with self.transaction() as store:
            if not store.batches.start_check(claim, now, now + self.lease):
                return False
        asked = self.clock.monotonic()
        try:
            if self.registry_client is None:
                raise FenceUnavailable("MAILER_REGISTRY_KEY is not set")
            purpose = claim.run.purpose
            bring_up_to_date(self.transaction, self.registry_client, planned, purpose, now)
        except FenceUnavailable as error:
            self.meter.fence_called("unavailable", self.clock.monotonic() - asked)
            self._close(claim, error)
            return False
        self.meter.fence_called("passed", self.clock.monotonic() - asked)
        self._failures = 0
        return True

    def _close(self, claim: BatchClaim, error: FenceUnavailable) -> None:
        wait = FENCE_BACKOFF[min(self._failures, len(FENCE_BACKOFF) - 1)]
        self._failures += 1
        self._closed_until = self.clock.monotonic() + wait
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
