"""The consumer on RabbitMQ (a fresh vhost) and on the embedded filesystem broker.

Each behaviour runs on both transports: the mailer must not care which one it is given.
Messages are published before the consumer starts where the test is not about timing: the
embedded transport can hand a reader a file its writer has not written yet (see
test_embedded_broker.py), which would make these tests flaky for a reason of its own.
"""

import itertools
import json
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from kombu import Connection
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from mailer.adapters import orm
from mailer.adapters.broker import connect, mailer_queue
from mailer.adapters.consumer import EventConsumer
from schemas.messages.topology import DEAD_LETTER_REASON_HEADER
from tests.mailer import factories
from tests.mailer.brokers import dead_letters, publish, running, wait_until


@pytest.fixture(params=["embedded", "rabbitmq"])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Connection]:
    """A connection to each broker in turn, as `mailer work` opens it."""
    url = request.getfixturevalue("rabbitmq_url") if request.param == "rabbitmq" else None
    connection = connect(url, tmp_path / "instance")
    yield connection
    connection.release()


def recipient(unit_of_work, subject_id: uuid.UUID):
    with unit_of_work() as store:
        return store.load(subject_id).recipient


def erased_version(unit_of_work, subject_id: uuid.UUID) -> int | None:
    with unit_of_work() as store:
        return store.load(subject_id).erased_version


def queued(connection: Connection) -> int:
    """Messages ready in the mailer's queue (unacked ones come back when a consumer leaves)."""
    with connection.clone() as conn:
        channel = conn.channel()
        rabbitmq = conn.transport.driver_type == "amqp"
        _, count, _ = mailer_queue(rabbitmq)(channel).queue_declare(passive=True)
        channel.close()
        return count


def test_valid_messages_are_applied_then_acknowledged(broker, sqlite_unit_of_work) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    publish(
        broker,
        factories.consent_changed(first, 1),
        factories.consent_changed(second, 1, "promotions", "withdrawn"),
        factories.subject_erased(first, 2),
    )
    with running(EventConsumer(broker, sqlite_unit_of_work)):
        wait_until(lambda: recipient(sqlite_unit_of_work, second))
        wait_until(lambda: erased_version(sqlite_unit_of_work, first) == 2)
    assert recipient(sqlite_unit_of_work, first) is None
    assert recipient(sqlite_unit_of_work, second).consents["promotions"].status == "withdrawn"
    assert queued(broker) == 0


def test_a_malformed_message_is_dead_lettered_with_its_reason_and_the_next_one_applied(
    broker, sqlite_unit_of_work
) -> None:
    subject_id = uuid.uuid4()
    broken = factories.consent_changed(subject_id, 1) | {"version": "one"}
    publish(broker, b"{not json", broken, factories.consent_changed(subject_id, 2))
    with running(EventConsumer(broker, sqlite_unit_of_work)):
        wait_until(lambda: recipient(sqlite_unit_of_work, subject_id))
        letters = dead_letters(broker, expected=2)
    # The embedded broker orders files by millisecond, then at random: compare as sets.
    reasons = {_bytes(letter.body): letter.headers[DEAD_LETTER_REASON_HEADER] for letter in letters}
    assert reasons.keys() == {b"{not json", json.dumps(broken).encode()}
    assert reasons[b"{not json"] == "message body is not JSON"
    assert "version" in reasons[json.dumps(broken).encode()]
    assert recipient(sqlite_unit_of_work, subject_id).version == 2
    assert queued(broker) == 0


def test_a_message_this_release_does_not_handle_is_dead_lettered_not_dropped(
    broker, sqlite_unit_of_work
) -> None:
    publish(broker, factories.run_report(), routing_key="campaign.misrouted")
    with running(EventConsumer(broker, sqlite_unit_of_work)):
        [letter] = dead_letters(broker, expected=1)
    assert letter.headers[DEAD_LETTER_REASON_HEADER] == (
        "not handled by this mailer version: mailer.run_report/1"
    )
    assert queued(broker) == 0


def test_campaign_commands_are_recorded_not_dead_lettered(broker, sqlite_unit_of_work) -> None:
    campaign_id = uuid.uuid4()
    run = factories.run_requested(campaign_id=campaign_id)
    subject_id = uuid.uuid4()
    publish(
        broker,
        factories.campaign_control(campaign_id, "paused", 1),
        run,
        factories.confirmation_requested(subject_id, 1),
        factories.consent_changed(subject_id, 2),
    )
    with running(EventConsumer(broker, sqlite_unit_of_work)):
        wait_until(lambda: recipient(sqlite_unit_of_work, subject_id))
        wait_until(lambda: run_status(sqlite_unit_of_work, run["run_id"]))
        wait_until(lambda: confirmations(sqlite_unit_of_work) == 1)
    assert run_status(sqlite_unit_of_work, run["run_id"]) == "planned"
    with sqlite_unit_of_work() as store:
        assert store.campaigns.state(campaign_id) == "paused"
    assert queued(broker) == 0


def test_a_database_error_requeues_the_message_until_it_can_be_applied(
    broker, sqlite_unit_of_work, caplog: pytest.LogCaptureFixture
) -> None:
    attempts = itertools.count(1)

    @contextmanager
    def database_down_twice():
        if next(attempts) <= 2:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        with sqlite_unit_of_work() as store:
            yield store

    subject_id = uuid.uuid4()
    publish(broker, factories.consent_changed(subject_id, 1))
    with running(EventConsumer(broker, database_down_twice)):
        wait_until(lambda: recipient(sqlite_unit_of_work, subject_id))
    assert next(attempts) == 4
    assert [r.event for r in caplog.records if getattr(r, "event", "") == "apply_failed"] == [
        "apply_failed",
        "apply_failed",
    ]
    assert queued(broker) == 0


def test_the_mailer_queue_on_rabbitmq_is_a_quorum_queue_with_dead_lettering(
    rabbitmq_url: str, tmp_path: Path, sqlite_unit_of_work
) -> None:
    connection = connect(rabbitmq_url, tmp_path)
    with running(EventConsumer(connection, sqlite_unit_of_work)):
        wait_until(lambda: queue_listing(rabbitmq_url))
    listing = queue_listing(rabbitmq_url)
    connection.release()
    assert "mailer.consent-events\tquorum" in listing
    assert "mailer.dead-letter\tclassic" in listing


def test_the_consumer_reconnects_after_rabbitmq_drops_its_connection(
    rabbitmq_url: str, tmp_path: Path, sqlite_unit_of_work
) -> None:
    connection = connect(rabbitmq_url, tmp_path)
    before, after = uuid.uuid4(), uuid.uuid4()
    with running(EventConsumer(connection, sqlite_unit_of_work)):
        publish(connection, factories.consent_changed(before, 1))
        wait_until(lambda: recipient(sqlite_unit_of_work, before))
        closed = rabbitmqctl("close_all_connections", "--vhost", vhost(rabbitmq_url), "test")
        assert closed.returncode == 0, closed.stderr
        publish(connection, factories.consent_changed(after, 1))
        wait_until(lambda: recipient(sqlite_unit_of_work, after))
    connection.release()


def run_status(unit_of_work, run_id: str) -> str | None:
    with unit_of_work() as store:
        run = store.session.get(orm.Run, uuid.UUID(run_id))
        return run.status if run else None


def confirmations(unit_of_work) -> int:
    with unit_of_work() as store:
        return store.session.scalar(select(func.count()).select_from(orm.Confirmation))


def _bytes(body: bytes | str) -> bytes:
    return body if isinstance(body, bytes) else body.encode()


def vhost(url: str) -> str:
    return unquote(urlsplit(url).path[1:])


def rabbitmqctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=30, check=False
    )


def queue_listing(url: str) -> str:
    listed = rabbitmqctl("list_queues", "-q", "-p", vhost(url), "name", "type")
    return listed.stdout if "mailer.consent-events" in listed.stdout else ""
