"""The sender's throttle: `MAILER_SEND_RATE` for the campaign and confirmation threads together.

Two token buckets (`mailer.domain.throttle`) under one lock. A campaign batch reserves its
whole size at once and may wait long; a confirmation must not wait behind that, so it keeps
its own pace at the same rate, and what it spends is charged to the campaigns' bucket as
well, so that over time the process still keeps to about the rate.
"""

import threading
from collections.abc import Callable

from mailer.domain.throttle import TokenBucket


class SendPace:
    """The `Throttle` of one process. `sleep(seconds)` waits, waking early when the worker
    stops, and answers True if it is stopping; `monotonic` is the clock it reads."""

    def __init__(
        self, rate: float, monotonic: Callable[[], float], sleep: Callable[[float], bool]
    ) -> None:
        self.campaigns = TokenBucket(rate)
        self.confirmations = TokenBucket(rate)
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()

    def wait_for_batch(self, emails: int) -> bool:
        """Wait until `emails` more may go at MAILER_SEND_RATE; True if stopping."""
        with self._lock:
            wait = self.campaigns.reserve(emails, self._monotonic())
        return self._sleep(wait)

    def wait_for_confirmation(self, emails: int) -> bool:
        """Like `wait_for_batch`, on the confirmations' own pace, charged to both."""
        with self._lock:
            now = self._monotonic()
            self.campaigns.reserve(emails, now)
            wait = self.confirmations.reserve(emails, now)
        return self._sleep(wait)

    def give_back(self, emails: int) -> None:
        with self._lock:
            self.campaigns.give_back(emails, self._monotonic())
