"""The send throttle: a token bucket of `MAILER_SEND_RATE` emails per second per process.

Pure arithmetic on a clock the caller passes in, so tests count emails instead of timing
them. A batch reserves its emails at once and may take the bucket into debt (a batch can be
larger than the bucket); the answer is how long to wait before handing them over, so over
any stretch of time T a process hands over at most `burst + rate * T` emails. Emails that
the send-time check skips are given back, so the rate is spent on emails actually sent.
"""

from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """`rate` tokens a second up to `burst`; a `rate` of 0 means no throttle at all."""

    rate: float
    burst: float = 0.0
    tokens: float = field(init=False)
    updated: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.rate < 0:
            raise ValueError("the rate must not be negative")
        self.burst = self.burst or max(self.rate, 1.0)
        self.tokens = self.burst

    def reserve(self, count: int, now: float) -> float:
        """Take `count` tokens; the seconds to wait from `now` before spending them."""
        if self.rate == 0 or count <= 0:
            return 0.0
        self._refill(now)
        self.tokens -= count
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def give_back(self, count: int, now: float) -> None:
        """Return tokens reserved for emails that were not sent after all."""
        if self.rate == 0 or count <= 0:
            return
        self._refill(now)
        self.tokens = min(self.burst, self.tokens + count)

    def _refill(self, now: float) -> None:
        if self.updated is not None and now > self.updated:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now if self.updated is None else max(now, self.updated)
