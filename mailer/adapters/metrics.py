"""The mailer's Prometheus metrics, served by `mailer work` on MAILER_METRICS_PORT.

`PrometheusMeter` is the services' `Meter` (mailer/services/meters.py); `MeteredBackend`
times every call of the email backend it wraps. One `mailer work` is one process with
threads, so plain prometheus_client metrics are right; Prometheus sums the mailers
(docs/decisions/0040-metrics.md).
"""

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

from mailer.domain.outgoing import EmailBackend, Outcome, Outgoing
from plumbing.metrics import prepare_multiprocess_dir

disable_created_metrics()  # a `_created` gauge per counter: noise nobody queries
prepare_multiprocess_dir()

SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LAG_SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)
"""Propagation: p99 < 1 s is the goal (issue 16), an import may lag minutes."""


class PrometheusMeter:
    """The mailer's metrics, in a prometheus_client registry of their own (`collectors`,
    the one served)."""

    def __init__(self, collectors: CollectorRegistry | None = None) -> None:
        self.collectors = collectors or CollectorRegistry()
        self._applied = Counter(
            "mailer_events_applied",
            "Registry messages the consumer committed, by outcome (applied, duplicate, stale).",
            ["outcome"],
            registry=self.collectors,
        )
        self._propagation = Histogram(
            "mailer_propagation_seconds",
            "From a change in the registry (its occurred_at) to its application to the view.",
            buckets=LAG_SECONDS,
            registry=self.collectors,
        )
        self._emails = Counter(
            "mailer_campaign_emails",
            "Campaign emails of closed batches, by outcome (sent, skipped, failed, unknown).",
            ["outcome"],
            registry=self.collectors,
        )
        self._fence = Histogram(
            "mailer_fence_seconds",
            "Send-time checks with the registry, by outcome (passed, unavailable).",
            ["outcome"],
            buckets=SECONDS,
            registry=self.collectors,
        )
        self._handoff = Histogram(
            "mailer_check_to_handoff_seconds",
            "From the start of a batch's consent check to each backend call (SPEC guarantee 1).",
            buckets=SECONDS,
            registry=self.collectors,
        )
        self.backend_seconds = Histogram(
            "mailer_backend_call_seconds",
            "Calls of the email backend, by backend (file, smtp, sendgrid).",
            ["backend"],
            buckets=SECONDS,
            registry=self.collectors,
        )

    def events_applied(self, outcome: str, count: int) -> None:
        self._applied.labels(outcome).inc(count)

    def propagated(self, seconds: float) -> None:
        self._propagation.observe(seconds)

    def emails(self, outcome: str, count: int) -> None:
        self._emails.labels(outcome).inc(count)

    def fence_called(self, outcome: str, seconds: float) -> None:
        self._fence.labels(outcome).observe(seconds)

    def handed_off(self, seconds: float) -> None:
        self._handoff.observe(seconds)

    def timed(self, backend: EmailBackend, name: str) -> "MeteredBackend":
        """`backend`, each call timed under `name`."""
        return MeteredBackend(backend, self.backend_seconds.labels(name))


class MeteredBackend:
    """An email backend whose every call is timed; otherwise the backend it wraps."""

    def __init__(self, backend: EmailBackend, seconds: Histogram) -> None:
        self.backend = backend
        self.seconds = seconds
        self.max_envelopes = backend.max_envelopes

    def send(self, outgoing: Outgoing) -> list[Outcome]:
        started = time.perf_counter()
        try:
            return self.backend.send(outgoing)
        finally:
            self.seconds.observe(time.perf_counter() - started)
