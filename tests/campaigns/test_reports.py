"""The mailer's run reports reach the registry: on RabbitMQ, on the embedded broker, via the relay.

Reports are published as the mailer publishes them (to `mailer.reports`, routing key
`mailer.run_report`); duplicated, reordered, malformed and unknown ones among them.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pika
import pytest
from kombu import Connection, Exchange

from consent_service.adapters import rabbitmq_admin
from consent_service.domain.campaigns import RunCounts
from consent_service.relay.report_intake import ReportConsumer, reports_queue
from consent_service.services.campaigns import ReportOutcome, apply_report
from plumbing.broker.connection import broker_connection, embedded_broker
from schemas.messages import load_message, topology
from tests.campaigns.factories import campaign_body, run_report, run_report_v2, runs_of

ROUTING_KEY = "mailer.run_report"


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def run(client, marketer) -> tuple[str, str]:
    """(campaign id, run id) of a run just started through the API."""
    campaign = client.post("/v1/campaigns", json=campaign_body(), headers=marketer).get_json()
    started = client.post(f"/v1/campaigns/{campaign['id']}/runs", headers=marketer)
    return campaign["id"], started.get_json()["run_id"]


def the_run(store, campaign_id: str) -> object:
    [found] = runs_of(store, uuid.UUID(campaign_id))
    return found


NEWEST_BY_LOCALE = {
    "ky": {"recipients": 6, "sent": 5, "failed": 1},
    "ru": {"recipients": 4, "sent": 4},
}


def reports_with_noise(campaign_id: str, run_id: str) -> list[bytes]:
    """Out of order and duplicated, with garbage, a foreign message and an unknown run; the
    newest from a mailer that counts per locale (`/2`), the older ones from an older one."""
    newest = run_report_v2(campaign_id, run_id, 3, "completed", NEWEST_BY_LOCALE)
    return [
        b"not json at all",
        json.dumps({"schema": "mailer.no_such_thing/1"}).encode(),
        json.dumps(run_report(campaign_id, uuid.uuid4(), 1, "running")).encode(),
        json.dumps(run_report(campaign_id, run_id, 2, "running", recipients=10, sent=4)).encode(),
        json.dumps(newest).encode(),
        json.dumps(run_report(campaign_id, run_id, 1, "planned", recipients=10)).encode(),
        json.dumps(newest).encode(),
    ]


def assert_newest_report_kept(store, campaign_id: str) -> None:
    found = the_run(store, campaign_id)
    assert found.state.status.value == "completed"
    assert found.state.report_sequence == 3
    assert (found.state.counts.sent, found.state.counts.failed) == (9, 1)
    assert found.state.by_locale == {
        "ky": RunCounts(recipients=6, sent=5, failed=1),
        "ru": RunCounts(recipients=4, sent=4),
    }


@contextmanager
def consuming(connection: Connection, app) -> Iterator[None]:
    stop = threading.Event()
    consumer = ReportConsumer(connection, app.extensions["consent.sessions"], stop.is_set)
    thread = threading.Thread(target=consumer.run, kwargs={"safety_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=15)
        assert not thread.is_alive(), "the report consumer did not stop"


def test_the_service_applies_newer_reports_and_says_what_it_did(store, run) -> None:
    campaign_id, run_id = run
    outcomes = []
    for body in (
        run_report(campaign_id, run_id, 2, "running", sent=1),
        run_report(campaign_id, run_id, 1, "running"),
        run_report(campaign_id, uuid.uuid4(), 1, "running"),
        run_report(uuid.uuid4(), run_id, 3, "running"),
    ):
        with store() as campaigns:
            outcomes.append(apply_report(campaigns, load_message(body), datetime.now(UTC)))
    assert outcomes == [
        ReportOutcome.APPLIED,
        ReportOutcome.STALE,
        ReportOutcome.UNKNOWN_RUN,
        ReportOutcome.UNKNOWN_RUN,
    ]


def test_counts_per_locale_are_kept_with_the_newest_report_only(store, run) -> None:
    campaign_id, run_id = run
    second = run_report_v2(campaign_id, run_id, 2, "running", {"ky": {"recipients": 7, "sent": 3}})
    older = run_report_v2(campaign_id, run_id, 1, "running", {"ru": {"recipients": 7}})
    outcomes = []
    for body in (second, second, older):
        with store() as campaigns:
            outcomes.append(apply_report(campaigns, load_message(body), datetime.now(UTC)))
    assert outcomes == [ReportOutcome.APPLIED, ReportOutcome.STALE, ReportOutcome.STALE]
    assert the_run(store, campaign_id).state.by_locale == {"ky": RunCounts(recipients=7, sent=3)}

    # A mailer rolled back to `/1`: its newer totals stand alone, without a breakdown that
    # would no longer add up to them.
    with store() as campaigns:
        apply_report(
            campaigns,
            load_message(run_report(campaign_id, run_id, 3, "running", recipients=7, sent=5)),
            datetime.now(UTC),
        )
    found = the_run(store, campaign_id)
    assert (found.state.counts.sent, found.state.by_locale) == (5, None)


def test_the_kombu_reports_queue_has_the_arguments_of_the_definitions() -> None:
    [defined] = [
        q
        for q in rabbitmq_admin.definitions()["queues"]
        if q["name"] == topology.REGISTRY_REPORTS_QUEUE
    ]
    queue = reports_queue(rabbitmq=True)
    assert queue.queue_arguments == defined["arguments"]
    assert [b.routing_key for b in queue.bindings] == list(topology.REGISTRY_REPORTS_BINDINGS)


def test_reports_through_rabbitmq_end_at_the_newest_and_every_one_is_acked(
    app, store, run, rabbitmq_url, tmp_path
) -> None:
    campaign_id, run_id = run
    rabbitmq_admin.apply(rabbitmq_url)  # the operators' definitions, then kombu's declaration
    with consuming(broker_connection(rabbitmq_url, tmp_path), app):
        connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
        channel = connection.channel()
        for body in reports_with_noise(campaign_id, run_id):
            channel.basic_publish(
                topology.MAILER_REPORTS,
                ROUTING_KEY,
                body,
                pika.BasicProperties(content_type="application/json", delivery_mode=2),
            )
        connection.close()
        wait_for(lambda: the_run(store, campaign_id).state.report_sequence == 3, "the reports")
    assert_newest_report_kept(store, campaign_id)
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    left = connection.channel().queue_declare(topology.REGISTRY_REPORTS_QUEUE, passive=True)
    connection.close()
    assert left.method.message_count == 0  # acked, not merely delivered: none came back


def publish_embedded(instance_dir: Path, bodies: list[bytes]) -> None:
    """As the mailer does on the embedded broker: the queue is declared, then published to."""
    with broker_connection(None, instance_dir) as connection:
        channel = connection.channel()
        reports_queue(rabbitmq=False)(channel).declare()
        producer = connection.Producer(channel)
        exchange = Exchange(topology.MAILER_REPORTS, type="topic", durable=True)
        for body in bodies:
            producer.publish(
                body,
                exchange=exchange,
                routing_key=ROUTING_KEY,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
            )
        channel.close()


def embedded_messages_left(instance_dir: Path) -> list[Path]:
    _, options = embedded_broker(str(instance_dir))
    return list(Path(options["data_folder_in"]).glob(f"*{topology.REGISTRY_REPORTS_QUEUE}.msg"))


def test_reports_through_the_embedded_broker_end_at_the_newest(app, store, run, tmp_path) -> None:
    campaign_id, run_id = run
    instance = tmp_path / "broker-instance"
    publish_embedded(instance, reports_with_noise(campaign_id, run_id))
    with consuming(broker_connection(None, instance), app):
        wait_for(lambda: not embedded_messages_left(instance), "the reports to be taken")
        wait_for(lambda: the_run(store, campaign_id).state.report_sequence == 3, "the reports")
    assert_newest_report_kept(store, campaign_id)


@pytest.fixture(params=["embedded", "rabbitmq"])
def relay_environ(request, environ, tmp_path) -> dict[str, str]:
    """The environment of a `consent relay` on the test's database, on each broker."""
    broker = "" if request.param == "embedded" else request.getfixturevalue("rabbitmq_url")
    return environ | {"BROKER_URL": broker}


def test_the_relay_process_publishes_the_run_request_and_takes_the_report(
    store, run, relay_environ, tmp_path
) -> None:
    campaign_id, run_id = run
    instance = Path(relay_environ["CONSENT_INSTANCE_DIR"])
    with (tmp_path / "relay.log").open("w") as log:
        relay = subprocess.Popen(
            [sys.executable, "-m", "consent_service", "relay"],
            env=os.environ | relay_environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        body = json.dumps(run_report(campaign_id, run_id, 1, "running", recipients=3, sent=1))
        if relay_environ["BROKER_URL"]:
            wait_for(lambda: _rabbitmq_queue_exists(relay_environ["BROKER_URL"]), "the queue")
            _publish_rabbitmq(relay_environ["BROKER_URL"], body.encode())
        else:
            publish_embedded(instance, [body.encode()])
        wait_for(lambda: the_run(store, campaign_id).state.status.value == "running", "the report")
    finally:
        relay.send_signal(signal.SIGTERM)
        code = relay.wait(timeout=30)
    assert code == 0, (tmp_path / "relay.log").read_text()
    assert the_run(store, campaign_id).state.counts.sent == 1


def _rabbitmq_queue_exists(url: str) -> bool:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        connection.channel().queue_declare(topology.REGISTRY_REPORTS_QUEUE, passive=True)
        return True
    except pika.exceptions.ChannelClosedByBroker:
        return False
    finally:
        connection.close()


def _publish_rabbitmq(url: str, body: bytes) -> None:
    """Publish once the relay has declared the exchange and bound its queue: the relay
    declares them one after the other, and a report published before the binding exists
    would be routed nowhere and dropped."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    deadline = time.monotonic() + 30
    try:
        while True:
            channel = connection.channel()
            channel.confirm_delivery()
            try:
                channel.basic_publish(topology.MAILER_REPORTS, ROUTING_KEY, body, mandatory=True)
                return
            except (pika.exceptions.UnroutableError, pika.exceptions.ChannelClosedByBroker):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
            finally:
                if channel.is_open:
                    channel.close()
    finally:
        connection.close()


def test_a_consumer_waiting_for_an_unreachable_broker_stops_when_told(app, tmp_path) -> None:
    unreachable = broker_connection("amqp://guest:guest@127.0.0.1:1//", tmp_path)
    with consuming(unreachable, app):
        time.sleep(0.5)  # let it start waiting; consuming() then checks that it stops
