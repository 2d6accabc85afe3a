"""Outbox lag and broker state, as `consent status`, `/metrics` and `/readyz` show them."""

from consent_service.app import create_app
from consent_service.config import Settings
from tests.factories import consent_body
from tests.metrics import scraped
from tests.processes import consent_cli


def test_metrics_show_the_outbox_lag_and_the_embedded_broker_up(client, writer) -> None:
    client.post(
        "/v1/consents", json=consent_body(purposes={"personalization": True}), headers=writer
    )
    values = scraped(client.get("/metrics").get_data(as_text=True))
    assert values["consent_outbox_unsent_messages"] == 1
    assert values["consent_outbox_oldest_unsent_age_seconds"] >= 0
    assert values["consent_broker_up"] == 1


def test_readyz_reports_an_unreachable_broker_but_stays_ready_for_writes(environ) -> None:
    app = create_app(
        Settings.from_env(environ | {"BROKER_URL": "amqp://guest:guest@127.0.0.1:1//"})
    )
    answer = app.test_client().get("/readyz")
    app.extensions["consent.engine"].dispose()
    assert answer.status_code == 200
    assert answer.get_json()["status"] == "degraded"
    assert answer.get_json()["checks"] == {"database": "ok", "broker": "unreachable"}


def test_status_command_prints_the_lag(client, writer, environ) -> None:
    client.post(
        "/v1/consents", json=consent_body(purposes={"personalization": True}), headers=writer
    )
    result = consent_cli(environ, "status")
    assert result.returncode == 0, result.stderr
    assert "outbox: 1 unsent" in result.stdout
    assert "reachable" in result.stdout
