"""When a console login must wait: after 10 failures in 15 minutes for one address or one client.

The rule is a sliding window. An attempt may go ahead while fewer than `limit` failures for
its key lie in the last `window`; otherwise it waits until enough of them have aged out. The
same rule serves both keys: the typed address (known to us or not, so that waiting reveals
nothing) and the client's network address.

The caller keeps the failure times; two things are its job. An attempt refused because it must
wait is neither checked nor recorded as a failure, so a wait never outlasts `window` after the
last failure recorded and guessing during it cannot prolong it. And the answer to a waiting
attempt looks the same whether or not the address has an account.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

NO_WAIT = timedelta(0)


@dataclass(frozen=True)
class LoginThrottle:
    limit: int = 10
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= NO_WAIT:
            raise ValueError("A login throttle needs a limit of at least 1 and a positive window.")

    def wait(self, failures: Iterable[datetime], now: datetime) -> timedelta:
        """How long an attempt at `now` must wait, given the earlier failures for one key.

        A failure stamped after `now` (another process's clock slightly ahead) counts as recent.
        """
        recent = sorted(moment for moment in failures if moment > now - self.window)
        if len(recent) < self.limit:
            return NO_WAIT
        # Fewer than `limit` remain once the oldest len(recent) - limit + 1 have left the window.
        return recent[len(recent) - self.limit] + self.window - now

    def login_wait(
        self,
        address_failures: Iterable[datetime],
        client_failures: Iterable[datetime],
        now: datetime,
    ) -> timedelta:
        """The wait for an attempt from one client for one typed address: the longer of both."""
        return max(self.wait(address_failures, now), self.wait(client_failures, now))


def address_key(typed: str) -> str:
    """The throttle's key for a typed address: `Aida@Shop.kg ` and `aida@shop.kg` are one."""
    return typed.strip().casefold()
