"""Keeping a batch's lease while a worker holds it, through throttle waits, the fence and the
backend's own bounded retries alike, so that only a worker that died or hangs loses it."""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from mailer.domain.runs import BatchClaim
from mailer.services.sending.ports import Clock, SenderStore
from mailer.services.unit_of_work import Transaction

log = logging.getLogger(__name__)


@contextmanager
def lease_kept(
    transaction: Transaction[SenderStore], claim: BatchClaim, lease: timedelta, clock: Clock
) -> Iterator[None]:
    """Renew the batch's lease every third of it while the block runs, in a thread; the
    thread ends with the block, or as soon as the batch turns out to be another's."""
    done = threading.Event()

    def renew() -> None:
        while not done.wait(lease.total_seconds() / 3):
            try:
                with transaction() as store:
                    held = store.batches.hold(claim, clock.now() + lease)
            except Exception:  # the next renewal may succeed
                log.warning("lease not renewed", exc_info=True, extra=batch_extra(claim))
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


def batch_extra(claim: BatchClaim) -> dict[str, object]:
    """The ids a log line about a batch carries."""
    return {"run_id": str(claim.run.run_id), "batch_no": claim.batch_no}
