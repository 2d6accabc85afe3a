"""What the registry's and the mailer's long-running consumers share, on top of kombu's mixins.

kombu's `ConsumerMixin` waits for an unreachable broker without end and dies on an error it
does not count as a connection error (a broker file that will not parse). Both consumers
need the same two repairs: the wait ends as soon as the process is stopping, and any other
error is logged and consuming starts again. A `ConsumerMixin` itself, listed before kombu's
class (`ConsumerMixin` or `ConsumerProducerMixin`) in a consumer's bases, so its `run` and
`establish_connection` come first; the consumer provides `should_stop`.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from kombu import Connection
from kombu.mixins import ConsumerMixin

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
RESTART_SECONDS = 1.0


class Stopping(Exception):
    """Raised while waiting for the broker once stopping, to stop waiting."""


class StoppableConsumer(ConsumerMixin):
    failure_event: ClassVar[str] = "consumer_failed"
    """The `event` of the log line written when consuming failed and starts again."""
    unreachable_event: ClassVar[str] = "broker_unreachable"
    """The `event` of the log line written while the broker cannot be reached."""

    def sleep(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early when stopping; True if stopping."""
        deadline = time.monotonic() + seconds
        while not self.should_stop and time.monotonic() < deadline:
            time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))
        return self.should_stop

    @contextmanager
    def establish_connection(self) -> Iterator[Connection]:
        """kombu's, but waiting for an unreachable broker ends as soon as we are stopping."""
        with self.create_connection() as connection:
            connection.ensure_connection(
                self.on_connection_error,
                self.connect_max_retries,
                callback=self._not_stopping,
            )
            yield connection

    def on_connection_error(self, exc: BaseException, interval: float) -> None:
        log.warning(
            "broker unreachable, retrying",
            extra={"event": self.unreachable_event, "error": str(exc), "retry_in": interval},
        )

    def _not_stopping(self) -> None:
        if self.should_stop:
            raise Stopping

    def run(self, _tokens: int = 1, **kwargs: Any) -> None:
        """Consume until stopped; kombu reconnects on broker errors, this survives the rest."""
        while not self.should_stop:
            try:
                super().run(_tokens, **kwargs)
            except Stopping:
                return
            except Exception:
                log.exception("consumer failed; restarting", extra={"event": self.failure_event})
                self.sleep(RESTART_SECONDS)
