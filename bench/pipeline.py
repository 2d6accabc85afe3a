"""Pipeline benchmark: relay throughput, mailer apply rate, unsubscribe-to-view propagation.

Each figure is printed next to the limit measured in the same run:
- relay events/s (publisher confirms, persistent, mandatory; claim and mark in PostgreSQL)
  next to the raw rate of kombu publishing the same bodies without confirms or a database;
- mailer apply rate (consume, validate, one transaction, ack) next to the raw rate of the
  same number of bare single-row commits on the mailer's database;
- propagation p50/p99: from the 200 answer of a withdrawal to the mailer's view showing it,
  while a background writer keeps signing people up.

Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and RabbitMQ at 127.0.0.1:5672 (guest), both
as on the development machines. Creates its own databases and vhost and removes them.

    .venv/bin/python bench/pipeline.py [--events 20000] [--samples 200] [--json FILE]
"""

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import create_engine, text

from consent_service.adapters import schema
from consent_service.adapters.broker import Publisher
from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.config import database_url
from consent_service.relay.outbox_publishing import relay_batch
from plumbing.db import make_engine, session_factory

from support.databases import Resources, scalar
from support.processes import BenchError, start_module, stop_all
from support.report import aligned, verdict, write_json
from support.service import call, create_api_key, start_server, stop_server
from support.timing import percentile

APPLIED = "SELECT count(*) FROM processed_messages"


def event(subject_id: uuid.UUID, version: int, status: str = "granted") -> dict:
    return {
        "schema": "consent.changed/1",
        "message_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "subject_id": str(subject_id),
        "version": version,
        "email": f"bench-{subject_id.hex[:12]}@example.kg",
        "locale": "ky",
        "name": None,
        "purpose": "newsletters",
        "status": status,
        "previous_status": None,
        "source": "registration",
        "policy_version": "2026-11-01",
    }


def raw_publish_rate(broker: str, bodies: list[dict]) -> float:
    """kombu, no confirms, no database: the most a Python publisher does on this machine."""
    exchange = Exchange("bench.raw", type="topic", durable=False)
    queue = Queue("bench.raw", exchange=exchange, routing_key="#", durable=False)
    with Connection(broker) as connection:
        channel = connection.channel()
        queue(channel).declare()
        producer = Producer(channel, exchange=exchange, serializer="json")
        started = time.perf_counter()
        for body in bodies:
            producer.publish(body, routing_key="consent.newsletters.granted", delivery_mode=2)
        elapsed = time.perf_counter() - started
        queue(channel).delete()
    return len(bodies) / elapsed


def relay_rate(
    registry_url: str, broker: str, instance: Path, bodies: list[dict], batch: int
) -> float:
    sessions = session_factory(make_engine(database_url(registry_url)))
    with sessions() as session, session.begin():
        SqlRepository(session).add_outbox(
            [
                {
                    "message_id": uuid.UUID(b["message_id"]),
                    "subject_id": uuid.UUID(b["subject_id"]),
                    "routing_key": "consent.newsletters.granted",
                    "payload": b,
                    "created_at": datetime.now(UTC),
                }
                for b in bodies
            ]
        )
    publisher, uow = Publisher(broker, instance), SqlUnitOfWork(sessions)
    relay_batch(uow, publisher, 1)  # connect and declare outside the timing
    started = time.perf_counter()
    published = 1
    while published < len(bodies):
        count = relay_batch(uow, publisher, batch)
        if count == 0:
            raise BenchError("relay stalled")
        published += count
    elapsed = time.perf_counter() - started
    publisher.close()
    return (len(bodies) - 1) / elapsed


def mailer_apply_rate(environ: dict[str, str], mailer_url: str, expected: int, logs: Path) -> float:
    """Start `mailer work` on a full queue and time until every message is applied."""
    worker = start_module(["mailer", "work"], environ, logs / "mailer.log")
    try:
        deadline = time.monotonic() + 60
        while scalar(mailer_url, APPLIED) == 0:
            if time.monotonic() > deadline:
                raise BenchError("the mailer applied nothing")
            time.sleep(0.01)
        started, first = time.perf_counter(), scalar(mailer_url, APPLIED)
        while (done := scalar(mailer_url, APPLIED)) < expected:
            if time.monotonic() > deadline + 300:
                raise BenchError(f"the mailer applied only {done} of {expected}")
            time.sleep(0.05)
        return (expected - first) / (time.perf_counter() - started)
    finally:
        stop_all([worker])


def raw_commit_rate(url: str, rows: int) -> float:
    """Single-row INSERT + COMMIT, one connection: the database's share of one apply."""
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("CREATE TABLE bench_raw (id uuid PRIMARY KEY, body jsonb)")
        conn.commit()
        started = time.perf_counter()
        for _ in range(rows):
            conn.execute("INSERT INTO bench_raw VALUES (%s, '{}')", (uuid.uuid4(),))
            conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_raw")
        conn.commit()
    return rows / elapsed


def propagation(environ: dict[str, str], mailer_url: str, samples: int, logs: Path) -> list[float]:
    """Withdrawal answered 200 -> the view shows it, under a steady background of sign-ups."""
    key = create_api_key(os.environ | environ, "consents:write")
    server = start_server(os.environ | environ, logs, workers=2)
    base = server.base
    processes = [
        start_module(["consent_service", "relay"], environ, logs / "relay.log"),
        start_module(["mailer", "work"], environ, logs / "mailer-2.log"),
    ]
    stop = threading.Event()

    def background() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            call(
                base,
                key,
                "POST",
                "/v1/consents",
                {
                    "subject": {"email": f"load-{n}-{uuid.uuid4().hex[:6]}@example.kg"},
                    "purposes": {"personalization": True},
                    "source": "registration",
                },
            )
            time.sleep(0.01)

    try:
        loader = threading.Thread(target=background, daemon=True)
        loader.start()
        engine = create_engine(database_url(mailer_url))
        latencies = []
        with engine.connect() as conn:
            for n in range(samples):
                subject = call(
                    base,
                    key,
                    "POST",
                    "/v1/consents",
                    {
                        "subject": {"email": f"sample-{n}-{uuid.uuid4().hex[:6]}@example.kg"},
                        "purposes": {"personalization": True},
                        "source": "registration",
                    },
                )
                subject_id = uuid.UUID(subject["subject_id"])
                call(
                    base,
                    key,
                    "PUT",
                    f"/v1/subjects/{subject_id}/consents/personalization",
                    {"status": "withdrawn", "source": "one_click"},
                )
                answered = time.perf_counter()
                query = text(
                    "SELECT status FROM recipient_consents "
                    "WHERE subject_id = :s AND purpose = 'personalization'"
                )
                while conn.execute(query, {"s": subject_id}).scalar_one_or_none() != "withdrawn":
                    conn.rollback()
                    if time.perf_counter() - answered > 30:
                        raise BenchError("a withdrawal did not reach the view within 30 s")
                    time.sleep(0.002)
                conn.rollback()
                latencies.append(time.perf_counter() - answered)
        engine.dispose()
        return latencies
    finally:
        stop.set()
        stop_server(server)
        stop_all(processes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()
    resources = Resources()
    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    try:
        registry_url, mailer_url, broker = (
            resources.database(),
            resources.database(),
            resources.broker(),
        )
        schema.upgrade(database_url(registry_url))
        environ = {
            "CONSENT_INSTANCE_DIR": str(work),
            "CONSENT_DATABASE_URL": registry_url,
            "MAILER_DATABASE_URL": mailer_url,
            "BROKER_URL": broker,
            "CONSENT_SECRET_KEY": "bench",
            "MAILER_REGISTRY_KEY": "",
        }
        bodies = [event(uuid.uuid4(), 1) for _ in range(options.events)]
        raw_publish = raw_publish_rate(broker, bodies)
        relay = relay_rate(registry_url, broker, work, bodies, options.batch)
        apply = mailer_apply_rate(environ, mailer_url, options.events, work)
        raw_commit = raw_commit_rate(mailer_url, min(options.events, 5000))
        latencies = propagation(environ, mailer_url, options.samples, work)
    finally:
        resources.close()
        shutil.rmtree(work, ignore_errors=True)
    figures = {
        "events": options.events,
        "relay_events_per_s": round(relay),
        "raw_kombu_publish_per_s": round(raw_publish),
        "relay_share_of_raw": round(relay / raw_publish, 2),
        "mailer_apply_per_s": round(apply),
        "raw_single_row_commits_per_s": round(raw_commit),
        "mailer_share_of_raw": round(apply / raw_commit, 2),
        "propagation_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "propagation_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "propagation_max_ms": round(max(latencies) * 1000, 1),
        "samples": len(latencies),
    }
    print(aligned(figures))
    print(
        f"target relay >= 10000/s: {verdict(relay >= 10000)}; "
        f"target p99 < 1000 ms: {verdict(figures['propagation_p99_ms'] < 1000)}"
    )
    write_json(options.json, figures)


if __name__ == "__main__":
    main()
