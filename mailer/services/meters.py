"""What the mailer counts and times for the operators (docs/operations.md "Metrics").

A port like the stores: `mailer.adapters.metrics` keeps the figures in prometheus_client
and serves them on MAILER_METRICS_PORT; the tests hand in `RecordingMeter`-like fakes, and
without a port nothing is kept (`NO_METER`). Every label is a closed vocabulary (an outcome,
a backend's name), never anything about a person.
"""

from typing import Protocol


class Meter(Protocol):
    def events_applied(self, outcome: str, count: int) -> None:
        """Messages of one committed batch applied with this outcome (applied, duplicate,
        stale)."""
        ...

    def propagated(self, seconds: float) -> None:
        """A change in the registry reached the view this long after it happened."""
        ...

    def emails(self, outcome: str, count: int) -> None:
        """Campaign emails of a closed batch: sent, skipped, failed or unknown."""
        ...

    def fence_called(self, outcome: str, seconds: float) -> None:
        """The send-time check asked the registry (passed) or could not (unavailable)."""
        ...

    def handed_off(self, seconds: float) -> None:
        """A backend call began this long after its batch's check began (SPEC guarantee 1)."""
        ...


class NoMeter:
    """Keeps nothing: a mailer whose figures nobody reads."""

    def events_applied(self, outcome: str, count: int) -> None:
        pass

    def propagated(self, seconds: float) -> None:
        pass

    def emails(self, outcome: str, count: int) -> None:
        pass

    def fence_called(self, outcome: str, seconds: float) -> None:
        pass

    def handed_off(self, seconds: float) -> None:
        pass


NO_METER: Meter = NoMeter()
