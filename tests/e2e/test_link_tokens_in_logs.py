"""No access log line of `consent serve` shows a link token; the route's shape stays readable.

A preference token opens a person's data and their erasure; an unsubscribe token withdraws
their consent. The log of the development server (werkzeug's request lines, through our
JSON formatter) is read from the process's own stderr. gunicorn's access log is covered in
test_gunicorn.py.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.logged import (
    Logged,
    link_tokens,
    new_key,
    python_module,
    secret_parts,
    signed_up,
    start_logged,
    visit_link_pages,
)
from tests.processes import free_port, wait_for_http

SECRET = "serve-log-secret"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Logged, dict[str, str]]]:
    port = free_port()
    environ = {
        "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
        "CONSENT_DATABASE_URL": "",
        "BROKER_URL": "",
        "CONSENT_SECRET_KEY": SECRET,
    }
    server = start_logged(
        python_module("consent_service", "serve", "--port", str(port)),
        environ,
        tmp_path / "serve.log",
        f"http://127.0.0.1:{port}",
    )
    try:
        wait_for_http(f"{server.base}/healthz", timeout=60)
        yield server, environ
    finally:
        server.stop()


def test_consent_serve_logs_link_pages_without_their_tokens(served) -> None:
    server, environ = served
    tokens = link_tokens(SECRET, signed_up(server.base, new_key(environ, "consents:write")))
    visit_link_pages(server.base, tokens)
    wait_for_http(f"{server.base}/healthz?visited")
    server.wait_for("/healthz?visited")
    logged = server.text()
    for secret in secret_parts(tokens):
        assert secret not in logged
    requests = [e["message"] for e in server.entries() if e["logger"] == "werkzeug"]
    for shape in (
        '"GET /u/<token> HTTP/1.1" 200',
        '"GET /u/<token>/undo?token=… HTTP/1.1"',
        '"GET /preferences/<token> HTTP/1.1" 200',
        '"GET /preferences/<token>/delete?lang=… HTTP/1.1" 200',
        '"GET /confirm/<token> HTTP/1.1" 200',
        '"GET /confirm/<token>/resend HTTP/1.1"',
    ):
        assert any(shape in line for line in requests), shape
