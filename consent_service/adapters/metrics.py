"""The registry's Prometheus metrics: counters kept as things happen, gauges measured when
Prometheus scrapes (docs/decisions/0040-metrics.md, docs/operations.md "Metrics").

Counters (`COUNTERS`) are kept by whichever process does the work: an API worker counts the
consent changes it commits, the relay the messages it publishes. Under gunicorn every worker
is a process of its own, so the counters live in prometheus_client's multiprocess files
(`PROMETHEUS_MULTIPROC_DIR`, set by deploy/gunicorn.conf.py) and a scrape of any worker sums
them all; a lone process (`consent serve`, the relay) serves its own counters.

The pipeline's gauges (outbox lag, broker reachability) are not kept by anyone: they are
read from the database and the broker when `/metrics` is asked (`PipelineCollector`), so
every worker answers the same figures and a dead relay cannot leave a stale one behind.

A consent change is counted once its transaction commits (`count_when_committed`): a write
that rolls back, or loses a race and runs again, is counted once, as it is written once.
"""

import os
from collections import Counter as Tally
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.orm import Session

from plumbing.metrics import MULTIPROCESS_DIR, prepare_multiprocess_dir

disable_created_metrics()  # a `_created` gauge per counter: noise nobody queries
prepare_multiprocess_dir()

COUNTERS = CollectorRegistry()
CONSENT_CHANGES = Counter(
    "consent_changes",
    "Consent changes committed to the ledger, by purpose, source and the status it moved to.",
    ["purpose", "source", "status"],
    registry=COUNTERS,
)
RELAY_PUBLISHED = Counter(
    "consent_relay_published_messages",
    "Outbox messages the broker confirmed to the relay.",
    registry=COUNTERS,
)
RELAY_BROKER_ERRORS = Counter(
    "consent_relay_broker_errors",
    "Publish attempts that failed because the broker was unreachable or refused them.",
    registry=COUNTERS,
)

ChangeKey = tuple[str, str, str]
"""(purpose, source, status): closed vocabularies (plumbing/vocabulary.py), never a person."""

_PENDING = "consent.metrics.changes"


def count_when_committed(session: Session, changes: Mapping[ChangeKey, int]) -> None:
    """Count these changes when the session's transaction commits; forget them if it rolls
    back."""
    pending: Tally[ChangeKey] = session.info.setdefault(_PENDING, Tally())
    pending.update(changes)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for (purpose, source, status), count in (pending or {}).items():
        CONSENT_CHANGES.labels(purpose, source, status).inc(count)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


class RelayCounters:
    """The relay's `RelayMeter`: what it published, and how often the broker failed it."""

    def published(self, messages: int) -> None:
        RELAY_PUBLISHED.inc(messages)

    def broker_failed(self) -> None:
        RELAY_BROKER_ERRORS.inc()


class PipelineCollector(Collector):
    """The outbox lag and the broker's state, measured at each scrape by the callables given
    (the database is read through the caller's transaction)."""

    def __init__(
        self, outbox_lag: Callable[[], tuple[int, float]], broker_up: Callable[[], bool]
    ) -> None:
        self.outbox_lag = outbox_lag
        self.broker_up = broker_up

    def collect(self) -> Iterator[Metric]:
        unsent, oldest_age = self.outbox_lag()
        yield GaugeMetricFamily(
            "consent_outbox_unsent_messages", "Messages waiting to be published.", unsent
        )
        yield GaugeMetricFamily(
            "consent_outbox_oldest_unsent_age_seconds",
            "Age of the oldest message waiting to be published.",
            round(oldest_age, 3),
        )
        yield GaugeMetricFamily(
            "consent_broker_up",
            "1 when the broker confirms a published message.",
            int(self.broker_up()),
        )


def exposition(pipeline: PipelineCollector) -> bytes:
    """The text `/metrics` answers: the pipeline's gauges and the counters of every process
    of this server (all gunicorn workers' in multiprocess mode, else this process's)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(pipeline)
    if os.environ.get(MULTIPROCESS_DIR):
        MultiProcessCollector(registry)
    else:
        registry.register(COUNTERS)
    return generate_latest(registry)
