"""`/readyz`, `/metrics` and `consent status` report a broker that answers but refuses to take
messages, as a vhost whose permissions forbid writing to `consent.events` does."""

import subprocess
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import pytest
from flask import Flask
from kombu import Connection

from consent_service.adapters import rabbitmq_admin
from consent_service.adapters.broker import Publisher
from consent_service.app import create_app
from consent_service.config import Settings
from consent_service.services.ports.outbox import OutgoingMessage, PublishError
from schemas.messages import topology
from tests.metrics import scraped
from tests.processes import consent_cli


def set_write_permission(url: str, pattern: str) -> None:
    """The guest user's write permission on the test vhost (configure and read stay open)."""
    vhost = unquote(urlsplit(url).path.lstrip("/"))
    subprocess.run(
        ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", pattern, ".*"],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def broker_environ(environ, rabbitmq_url) -> dict[str, str]:
    rabbitmq_admin.apply(rabbitmq_url)
    return environ | {"BROKER_URL": rabbitmq_url}


@pytest.fixture
def app_on_rabbitmq(broker_environ) -> Iterator[Flask]:
    app = create_app(Settings.from_env(broker_environ))
    yield app
    app.extensions["consent.engine"].dispose()


def waiting_in_mailer_queue(url: str) -> int:
    with Connection(url) as connection:
        declared = connection.channel().queue_declare(topology.MAILER_QUEUE, passive=True)
        return declared.message_count


def test_a_broker_that_takes_messages_is_ready_and_the_probe_reaches_no_queue(
    app_on_rabbitmq, broker_environ
) -> None:
    client = app_on_rabbitmq.test_client()
    answer = client.get("/readyz").get_json()
    assert (answer["status"], answer["checks"]["broker"]) == ("ready", "ok")
    assert waiting_in_mailer_queue(broker_environ["BROKER_URL"]) == 0
    assert scraped(client.get("/metrics").get_data(as_text=True))["consent_broker_up"] == 1


def test_publishing_denied_on_the_vhost_is_reported_not_called_fine(
    app_on_rabbitmq, broker_environ, tmp_path
) -> None:
    url = broker_environ["BROKER_URL"]
    set_write_permission(url, r"^(?!consent\.events$).*")
    publisher = Publisher(url, tmp_path)
    message = OutgoingMessage("m-1", "consent.changed", {"schema": "consent.changed/1"})
    with pytest.raises(PublishError, match="ACCESS_REFUSED"):  # the relay is stuck
        publisher.publish([message])
    publisher.close()

    client = app_on_rabbitmq.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200  # writes still land in the outbox
    assert ready.get_json()["status"] == "degraded"
    broker = ready.get_json()["checks"]["broker"]
    assert broker.startswith("publish refused: ")
    assert "ACCESS_REFUSED" in broker
    assert scraped(client.get("/metrics").get_data(as_text=True))["consent_broker_up"] == 0
    status = consent_cli(broker_environ, "status")
    assert status.returncode == 0, status.stderr
    assert "publish refused" in status.stdout

    set_write_permission(url, ".*")
    assert client.get("/readyz").get_json()["checks"]["broker"] == "ok"


def test_the_embedded_broker_is_ready_when_its_folder_takes_files(client, settings) -> None:
    assert client.get("/readyz").get_json()["checks"]["broker"] == "ok"
    messages = settings.instance_dir / "broker" / "messages"
    assert list(messages.iterdir()) == []  # the probe file is gone
