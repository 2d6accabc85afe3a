"""When a console session ends: after `idle` without a request, and `absolute` after sign-in.

The idle timeout (CONSOLE_SESSION_IDLE_MINUTES, default 30) ends a session left open on a
shared computer; the absolute one (12 hours) ends even a busy session once a working day is
over, so a stolen session cookie is worth a day at most and a person whose access changed in
the identity provider signs in again within a day.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

ABSOLUTE_TIMEOUT = timedelta(hours=12)
DEFAULT_IDLE_MINUTES = 30


class SessionState(StrEnum):
    ACTIVE = "active"
    IDLE = "idle"
    """Ended: no request for the idle timeout."""
    EXPIRED = "expired"
    """Ended: the absolute timeout passed since sign-in."""


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=DEFAULT_IDLE_MINUTES)
    absolute: timedelta = ABSOLUTE_TIMEOUT

    def __post_init__(self) -> None:
        if not timedelta(0) < self.idle <= self.absolute:
            raise ValueError(
                f"The idle timeout must be positive and at most {self.absolute} (the absolute one)."
            )

    def ends_at(self, signed_in_at: datetime, last_seen_at: datetime) -> datetime:
        """The moment the session ends unless another request comes first."""
        return min(last_seen_at + self.idle, signed_in_at + self.absolute)

    def state(self, signed_in_at: datetime, last_seen_at: datetime, now: datetime) -> SessionState:
        """Whether a request at `now` still belongs to the session; ACTIVE only strictly before
        the end, and the absolute timeout named first when both have passed."""
        if now >= signed_in_at + self.absolute:
            return SessionState.EXPIRED
        if now >= last_seen_at + self.idle:
            return SessionState.IDLE
        return SessionState.ACTIVE
