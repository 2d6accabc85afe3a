"""Export and direct transfer through the real pipeline: PostgreSQL, RabbitMQ, and the
registry API, relay and mailer as processes. One person signs up, confirms by email and gets
one campaign email; then their export (API, CSV, `consent export`) and transfers."""

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import create_engine, text

from consent_service.config import database_url as driver_url
from tests.conftest import REGISTRY_TABLES
from tests.databases import fresh_postgres, service_unavailable
from tests.e2e.export_journey import (
    Api,
    read_zip,
    send_one_campaign,
    sign_up_and_confirm,
    without_time,
)
from tests.processes import ROOT, consent_cli
from tests.stack import Stack, wait_until
from tests.transfer_recipient import Recipient, serving, verify

SCHEMA = json.loads((ROOT / "docs" / "export.schema.json").read_text())


@pytest.fixture
def recipient_server() -> Iterator[Recipient]:
    yield from serving()


SCOPES = (
    "consents:write",
    "subjects:read",
    "subjects:write",
    "campaigns:read",
    "campaigns:write",
    "campaigns:send",
    "sync:read",
)
TIMEOUT = 4


@dataclass
class Pipeline:
    stack: Stack
    api: Api
    instance: Path
    logs: Path
    subject_id: str
    campaign_id: str
    run_id: str


@pytest.fixture(scope="module")
def vhost_url() -> Iterator[str]:
    vhost = f"consent-export-{uuid.uuid4().hex[:10]}"
    try:
        created = subprocess.run(
            ["rabbitmqctl", "add_vhost", vhost], capture_output=True, text=True, timeout=60
        )
    except FileNotFoundError as error:
        service_unavailable("RabbitMQ", str(error))
    if created.returncode != 0:
        service_unavailable("RabbitMQ", created.stderr.strip())
    subprocess.run(
        ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        capture_output=True,
        timeout=60,
    )
    yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, vhost_url: str) -> Iterator[Pipeline]:
    root = tmp_path_factory.mktemp("export-pipeline")
    with fresh_postgres("consent_export") as registry, fresh_postgres("mailer_export") as mailer:
        environ = {
            "CONSENT_INSTANCE_DIR": str(root / "instance"),
            "CONSENT_DATABASE_URL": registry,
            "MAILER_DATABASE_URL": mailer,
            "BROKER_URL": vhost_url,
            "CONSENT_SECRET_KEY": "export-pipeline-secret",
            "MAILER_EMAIL_BACKEND": "file",
            "MAILER_CATCHUP_INTERVAL": "3600",
            "CONSENT_EXPORT_TIMEOUT": str(TIMEOUT),
            "CONSENT_BRAND_NAME": "Аю Дүкөн",
            "CONSENT_CONTROLLER_CONTACT": "privacy@ayu.kg",
        }
        assert consent_cli(environ, "db", "upgrade").returncode == 0
        stack = Stack(environ, root)
        key = stack.create_key(*SCOPES)
        stack.environ |= {
            "MAILER_REGISTRY_URL": stack.base,
            "MAILER_REGISTRY_KEY": key,
            "PUBLIC_BASE_URL": stack.base,
        }
        try:
            for part in ("api", "relay", "mailer"):
                stack.start(part)
            api = Api(stack.base, key)
            instance = root / "instance"
            subject_id = sign_up_and_confirm(api, instance, "aigul@example.kg")
            campaign_id, run_id = send_one_campaign(api, mailer, subject_id)
            yield Pipeline(stack, api, instance, root, subject_id, campaign_id, run_id)
        finally:
            stack.stop_all()


def export(pipeline: Pipeline, fmt: str = "json") -> tuple[int, dict[str, str], bytes]:
    return pipeline.api.raw("GET", f"/v1/subjects/{pipeline.subject_id}/export?format={fmt}")


def test_the_export_shows_the_campaign_email_the_mailer_sent(pipeline: Pipeline) -> None:
    status, headers, content = export(pipeline)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    data = json.loads(content)
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(
        data
    )
    campaign = [e for e in data["emails"] if e["kind"] == "campaign"]
    assert [(e["campaign_id"], e["run_id"], e["outcome"]) for e in campaign] == [
        (pipeline.campaign_id, pipeline.run_id, "sent")
    ]
    assert campaign[0]["campaign_name"] == "Weekly news"
    assert campaign[0]["sent_at"] is not None
    confirmation = [e for e in data["emails"] if e["kind"] == "confirmation"]
    assert [e["outcome"] for e in confirmation] == ["sent"]
    assert data["subject"]["email"] == "aigul@example.kg"
    [receipt] = data["receipts"]
    assert receipt["services"][0]["service"] == "newsletters"
    assert receipt["collectionMethod"] == "confirmation link in an email (double opt-in)"
    assert receipt["piiControllers"][0]["piiController"] == "Аю Дүкөн"
    assert receipt["policyUrl"] == f"{pipeline.stack.base}/policy/versions/2026-11-01"


def test_the_csv_export_is_a_zip_of_every_table_with_its_header(pipeline: Pipeline) -> None:
    status, headers, content = export(pipeline, "csv")
    assert status == 200
    assert headers["Content-Type"] == "application/zip"
    files = read_zip(content)
    headers_of = {name: rows[0] for name, rows in files.items()}
    assert headers_of["subject.csv"][:3] == ["subject_id", "email", "locale"]
    assert headers_of["consents.csv"][:2] == ["purpose", "status"]
    assert headers_of["history.csv"][:2] == ["version", "kind"]
    assert headers_of["policies.csv"] == ["version", "effective_at", "url"]
    assert headers_of["emails.csv"] == [
        "kind",
        "campaign_id",
        "campaign_name",
        "run_id",
        "sent_at",
        "outcome",
    ]
    campaign_rows = [row for row in files["emails.csv"][1:] if row[0] == "campaign"]
    assert [(r[1], r[3], r[5]) for r in campaign_rows] == [
        (pipeline.campaign_id, pipeline.run_id, "sent")
    ]
    assert files["subject.csv"][1][:2] == [pipeline.subject_id, "aigul@example.kg"]


def test_consent_export_gives_the_same_export(pipeline: Pipeline, tmp_path: Path) -> None:
    output = tmp_path / "aigul.json"
    environ = pipeline.stack.environ
    exported = consent_cli(environ, "export", pipeline.subject_id, "--output", str(output))
    assert exported.returncode == 0, exported.stderr
    assert output.stat().st_mode & 0o077 == 0, "personal data readable by others"
    from_api = json.loads(export(pipeline)[2])
    assert without_time(json.loads(output.read_text())) == without_time(from_api)
    printed = consent_cli(environ, "export", pipeline.subject_id)
    assert without_time(json.loads(printed.stdout)) == without_time(from_api)
    zipped = tmp_path / "aigul.zip"
    as_csv = consent_cli(
        environ, "export", pipeline.subject_id, "--format", "csv", "--output", str(zipped)
    )
    assert as_csv.returncode == 0, as_csv.stderr
    assert "emails.csv" in read_zip(zipped.read_bytes())
    assert "aigul@example.kg" not in exported.stderr + as_csv.stderr


def add_recipient(pipeline: Pipeline, name: str, url: str) -> str:
    added = consent_cli(pipeline.stack.environ, "recipients", "add", name, url)
    assert added.returncode == 0, added.stderr
    return added.stdout.splitlines()[-1]


def transfer_to(pipeline: Pipeline, name: str) -> str:
    status, answer = pipeline.api.call(
        "POST", f"/v1/subjects/{pipeline.subject_id}/transfers", {"recipient": name}
    )
    assert status == 202, answer
    return answer["transfer_id"]


def transfer_state(pipeline: Pipeline, transfer_id: str) -> dict:
    return pipeline.api.call("GET", f"/v1/subjects/{pipeline.subject_id}/transfers/{transfer_id}")[
        1
    ]


def finished(pipeline: Pipeline, transfer_id: str, timeout: float = 60) -> dict:
    assert wait_until(
        lambda: transfer_state(pipeline, transfer_id)["status"] != "pending", timeout, 0.25
    )
    return transfer_state(pipeline, transfer_id)


def test_a_transfer_reaches_the_recipient_signed_within_seconds(
    pipeline: Pipeline, recipient_server: Recipient
) -> None:
    secret = add_recipient(pipeline, "crm", recipient_server.url())
    started = time.monotonic()
    transfer_id = transfer_to(pipeline, "crm")
    [received] = recipient_server.wait_for(1, timeout=15)
    assert time.monotonic() - started < 10
    assert verify(secret, received)
    body = json.loads(received.body)
    jsonschema.Draft202012Validator(SCHEMA).validate(body)
    assert body["subject"]["subject_id"] == pipeline.subject_id
    assert pipeline.run_id in {e["run_id"] for e in body["emails"]}
    assert finished(pipeline, transfer_id)["status"] == "delivered"
    entry = pipeline.api.call("GET", f"/v1/subjects/{pipeline.subject_id}/history")[1]["entries"][
        -1
    ]
    assert (entry["kind"], entry["source"], entry["actor"]) == ("transfer", "admin", "stack")
    verified = consent_cli(pipeline.stack.environ, "audit", "verify")
    assert verified.returncode == 0, verified.stdout


def test_a_recipient_answering_500_then_200_gets_the_retry(
    pipeline: Pipeline, recipient_server: Recipient
) -> None:
    secret = add_recipient(pipeline, "flaky", recipient_server.url())
    recipient_server.answer(500)
    transfer_id = transfer_to(pipeline, "flaky")
    first, second = recipient_server.wait_for(2, timeout=30)
    assert verify(secret, first) and verify(secret, second)
    state = finished(pipeline, transfer_id)
    assert (state["status"], state["attempts"]) == ("delivered", 2)


def test_a_recipient_answering_a_redirect_is_not_followed(
    pipeline: Pipeline, recipient_server: Recipient
) -> None:
    add_recipient(pipeline, "moved", recipient_server.url())
    recipient_server.answer(302)
    transfer_id = transfer_to(pipeline, "moved")
    state = finished(pipeline, transfer_id)
    assert state["status"] == "failed"
    assert "302" in state["last_error"]
    time.sleep(1)
    assert [r.path for r in recipient_server.received] == ["/in"]


def test_no_log_line_of_any_part_holds_the_address(pipeline: Pipeline) -> None:
    logs = {path.name: path.read_text() for path in pipeline.logs.glob("*.log")}
    assert {"api.log", "relay.log", "mailer.log"} <= set(logs)
    assert "export_answered" in logs["mailer.log"]
    for name, content in logs.items():
        assert "aigul@example.kg" not in content, name


def registry_counts(pipeline: Pipeline) -> dict[str, int]:
    engine = create_engine(driver_url(pipeline.stack.environ["CONSENT_DATABASE_URL"]))
    try:
        with engine.connect() as conn:
            return {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in REGISTRY_TABLES
            }
    finally:
        engine.dispose()


def test_with_the_mailer_stopped_the_export_is_503_in_time_and_nothing_is_written(
    pipeline: Pipeline,
) -> None:
    pipeline.stack.kill("mailer")
    try:
        before = registry_counts(pipeline)
        started = time.monotonic()
        status, headers, content = export(pipeline)
        elapsed = time.monotonic() - started
        assert status == 503
        assert headers["Content-Type"] == "application/problem+json"
        assert json.loads(content)["detail"].startswith("The mailer's part is unavailable, retry")
        assert TIMEOUT <= elapsed < TIMEOUT + 3
        assert registry_counts(pipeline) == before
    finally:
        pipeline.stack.start("mailer")
    assert wait_until(lambda: export(pipeline)[0] == 200, 30, 0.5), "no export after a restart"
