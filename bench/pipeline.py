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
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from kombu import Connection, Exchange, Producer, Queue
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from consent_service.adapters import schema  # noqa: E402
from consent_service.adapters.broker import Publisher  # noqa: E402
from consent_service.adapters.repository import Registry  # noqa: E402
from consent_service.config import database_url  # noqa: E402
from consent_service.services.relay import relay_batch  # noqa: E402
from plumbing.db import make_engine, session_factory  # noqa: E402

ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBIT = "amqp://guest:guest@127.0.0.1:5672/"


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


class Resources:
    """Databases and a vhost made for this run, removed at the end whatever happens."""

    def __init__(self) -> None:
        self.databases: list[str] = []
        self.vhost = f"bench-{uuid.uuid4().hex[:8]}"

    def database(self) -> str:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return f"{ADMIN.rsplit('/', 1)[0]}/{name}"

    def broker(self) -> str:
        for args in (
            ["add_vhost", self.vhost],
            ["set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*"],
        ):
            subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True)
        return RABBIT + self.vhost

    def close(self) -> None:
        subprocess.run(
            ["rabbitmqctl", "delete_vhost", self.vhost], capture_output=True, check=False
        )
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            for name in self.databases:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
        Registry(session).add_outbox(
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
    publisher = Publisher(broker, instance)
    relay_batch(sessions, publisher, 1)  # connect and declare outside the timing
    started = time.perf_counter()
    published = 1
    while published < len(bodies):
        count = relay_batch(sessions, publisher, batch)
        if count == 0:
            raise RuntimeError("relay stalled")
        published += count
    elapsed = time.perf_counter() - started
    publisher.close()
    return (len(bodies) - 1) / elapsed


def count(url: str, query: str) -> int:
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(text(query)).scalar_one()
    except Exception:  # noqa: BLE001 - tables not created yet
        return 0
    finally:
        engine.dispose()


def start(argv: list[str], environ: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", *argv],
            env=os.environ | environ,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def mailer_apply_rate(environ: dict[str, str], mailer_url: str, expected: int, logs: Path) -> float:
    """Start `mailer work` on a full queue and time until every message is applied."""
    worker = start(["mailer", "work"], environ, logs / "mailer.log")
    try:
        deadline = time.monotonic() + 60
        while count(mailer_url, "SELECT count(*) FROM processed_messages") == 0:
            if time.monotonic() > deadline:
                raise RuntimeError("the mailer applied nothing")
            time.sleep(0.01)
        started, first = (
            time.perf_counter(),
            count(mailer_url, "SELECT count(*) FROM processed_messages"),
        )
        while (done := count(mailer_url, "SELECT count(*) FROM processed_messages")) < expected:
            if time.monotonic() > deadline + 300:
                raise RuntimeError(f"the mailer applied only {done} of {expected}")
            time.sleep(0.05)
        return (expected - first) / (time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


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


def call(base: str, key: str, method: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method)
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def propagation(environ: dict[str, str], mailer_url: str, samples: int, logs: Path) -> list[float]:
    """Withdrawal answered 200 -> the view shows it, under a steady background of sign-ups."""
    port = 18000 + os.getpid() % 1000
    base = f"http://127.0.0.1:{port}"
    key = subprocess.run(
        [
            sys.executable,
            "-m",
            "consent_service",
            "keys",
            "create",
            "--name",
            "bench",
            "--scope",
            "consents:write",
        ],
        env=os.environ | environ,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    processes = [
        start(
            ["gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "consent_service.wsgi:app"],
            environ,
            logs / "api.log",
        ),
        start(["consent_service", "relay"], environ, logs / "relay.log"),
        start(["mailer", "work"], environ, logs / "mailer-2.log"),
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
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
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
                        raise RuntimeError("a withdrawal did not reach the view within 30 s")
                    time.sleep(0.002)
                conn.rollback()
                latencies.append(time.perf_counter() - answered)
        engine.dispose()
        return latencies
    finally:
        stop.set()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


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
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    print(
        f"target relay >= 10000/s: {'met' if relay >= 10000 else 'NOT met'}; "
        f"target p99 < 1000 ms: {'met' if figures['propagation_p99_ms'] < 1000 else 'NOT met'}"
    )
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
