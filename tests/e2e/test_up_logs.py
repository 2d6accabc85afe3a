"""What `consent up` writes to its terminal: clean JSON lines, one address mask for all parts.

Read from the stderr of one `consent up` (API, relay, scheduler and mailer as their own
processes), as the person who started it sees it.
"""

import hashlib
import hmac
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailer.adapters.broker import connect
from plumbing.logs import mask_key
from tests.logged import Logged, python_module, request, start_logged
from tests.mailer.brokers import publish
from tests.processes import free_port, wait_for_http

SECRET = "up-log-secret"
ADDRESS = "Cholpon.Logged@example.kg"
MASK = re.compile(r"<email:([0-9a-f]+)>")


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Logged, Path]]:
    home = tmp_path_factory.mktemp("up")
    instance = home / "instance"
    port = free_port()
    environ = {
        "CONSENT_INSTANCE_DIR": str(instance),
        "CONSENT_DATABASE_URL": "",
        "BROKER_URL": "",
        "MAILER_DATABASE_URL": "",
        "CONSENT_SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": "",
    }
    running = start_logged(
        python_module("consent_service", "up", "--port", str(port)),
        environ,
        home / "up.log",
        f"http://127.0.0.1:{port}",
    )
    try:
        wait_for_http(f"{running.base}/healthz", timeout=90)
        running.wait_for("mailer started", timeout=90)
        running.wait_for("scheduler started", timeout=90)
        yield running, instance
    finally:
        running.stop()


def test_start_up_writes_no_broker_warning_and_no_terminal_colours(up) -> None:
    running, _ = up
    for path in ("/nowhere", "/v1/subjects"):  # werkzeug colours 404s and 401s
        request(running.base + path)
    running.wait_for('"GET /v1/subjects HTTP/1.1" 401')
    logged = running.text()
    assert "No hostname was supplied" not in logged
    assert "\x1b" not in logged
    assert "\\u001b" not in logged
    kombu = [e for e in running.entries() if e["logger"].startswith("kombu.")]
    assert kombu, "the parts have connected to the broker"
    assert [e["message"] for e in kombu if e["level"] != "info"] == []


def test_both_parts_mask_one_address_alike_with_the_secret(up) -> None:
    running, instance = up
    request(f"{running.base}/v1/subjects?email={ADDRESS}")
    connection = connect(None, instance)
    try:
        publish(connection, {"schema": ADDRESS, "payload": {}}, routing_key="subject.test")
    finally:
        connection.release()
    running.wait_for('"GET /v1/subjects?email=<email:')
    running.wait_for("message dead-lettered")
    [api_line] = [
        e["message"] for e in running.entries() if "GET /v1/subjects?email=" in e["message"]
    ]
    [mailer_line] = [e["reason"] for e in running.entries() if e.get("event") == "dead_lettered"]
    masks = {MASK.search(api_line)[1], MASK.search(mailer_line)[1]}
    keyed = hmac.new(mask_key(SECRET), ADDRESS.lower().encode(), hashlib.sha256).hexdigest()
    plain = hashlib.sha256(ADDRESS.lower().encode()).hexdigest()
    assert masks == {keyed[:12]}
    assert plain[:12] not in masks, "anyone can recompute an unkeyed mask from a guess"
    assert ADDRESS.lower() not in running.text().lower()
