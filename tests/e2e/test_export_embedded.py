"""Export and direct transfer on `consent up`'s embedded defaults: SQLite files, the embedded
filesystem broker (the mailer's part travels through it like any message) and `.eml` files."""

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from tests.e2e.export_journey import (
    Api,
    read_zip,
    send_one_campaign,
    sign_up_and_confirm,
    without_time,
)
from tests.e2e.test_campaign_journey import Up
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
)


@pytest.fixture
def up(tmp_path: Path) -> Iterator[tuple[Up, Api]]:
    service = Up(tmp_path / "instance")
    service.start()
    options = [arg for scope in SCOPES for arg in ("--scope", scope)]
    created = consent_cli(service.environ, "keys", "create", "--name", "shop", *options)
    assert created.returncode == 0, created.stderr
    yield service, Api(service.base, created.stdout.split()[-1])
    service.stop()


def test_export_and_transfer_on_the_embedded_defaults(
    up: tuple[Up, Api], recipient_server: Recipient, tmp_path: Path
) -> None:
    service, api = up
    subject_id = sign_up_and_confirm(api, service.instance, "aigul@example.kg")
    mailer_db = f"sqlite:///{service.instance / 'mailer.db'}"
    campaign_id, run_id = send_one_campaign(api, mailer_db, subject_id)

    status, _, content = api.raw("GET", f"/v1/subjects/{subject_id}/export")
    assert status == 200
    data = json.loads(content)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    sent = [(e["campaign_id"], e["run_id"], e["outcome"]) for e in data["emails"]]
    assert (campaign_id, run_id, "sent") in sent

    status, _, zipped = api.raw("GET", f"/v1/subjects/{subject_id}/export?format=csv")
    assert status == 200
    assert run_id in {row[3] for row in read_zip(zipped)["emails.csv"][1:]}

    # another process, the same instance: its request crosses the embedded broker too
    output = tmp_path / "aigul.json"
    environ = service.environ | {"PUBLIC_BASE_URL": service.base}  # as `consent up` gives its parts
    exported = consent_cli(environ, "export", subject_id, "--output", str(output))
    assert exported.returncode == 0, exported.stderr
    assert without_time(json.loads(output.read_text())) == without_time(data)

    added = consent_cli(service.environ, "recipients", "add", "crm", recipient_server.url())
    assert added.returncode == 0, added.stderr
    secret = added.stdout.splitlines()[-1]
    status, answer = api.call("POST", f"/v1/subjects/{subject_id}/transfers", {"recipient": "crm"})
    assert status == 202, answer
    [received] = recipient_server.wait_for(1, timeout=20)
    assert verify(secret, received)
    assert json.loads(received.body)["subject"]["subject_id"] == subject_id

    def state() -> str:
        path = f"/v1/subjects/{subject_id}/transfers/{answer['transfer_id']}"
        return api.call("GET", path)[1]["status"]

    assert wait_until(lambda: state() == "delivered", 20)
    left = os.listdir(service.instance / "broker" / "messages")
    assert not [name for name in left if "export" in name], left


def test_without_a_mailer_the_embedded_export_is_503_in_time(tmp_path: Path) -> None:
    """The API and relay on the embedded defaults, and no `mailer work`."""
    instance = tmp_path / "instance"
    environ = {
        "CONSENT_INSTANCE_DIR": str(instance),
        "CONSENT_DATABASE_URL": "",
        "MAILER_DATABASE_URL": "",
        "BROKER_URL": "",
        "CONSENT_SECRET_KEY": "embedded-secret",
        "CONSENT_EXPORT_TIMEOUT": "2",
    }
    stack = Stack(environ, tmp_path)
    try:
        stack.start("api")
        stack.start("relay")
        stack.create_key()
        status, subject = stack.call(
            "POST",
            "/v1/consents",
            {
                "subject": {"email": "aigul@example.kg"},
                "purposes": {"personalization": True},
                "source": "registration",
            },
        )
        assert status == 201
        started = time.monotonic()
        status, problem = stack.call("GET", f"/v1/subjects/{subject['subject_id']}/export")
        assert status == 503
        assert problem["status"] == 503
        assert 2 <= time.monotonic() - started < 5
    finally:
        stack.stop_all()
