"""The consent report under gunicorn with deploy/gunicorn.conf.py, as production serves it.

A download the client abandons part way gives its database connection back at once (the
worker is not left holding a transaction open until it next collects garbage), and a download
that lasts longer than gunicorn's worker `timeout` is not killed as a hung worker.
"""

import socket
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from consent_service.adapters import schema
from tests.databases import fresh_postgres
from tests.logged import Logged, new_key, python_module, start_logged
from tests.processes import ROOT, free_port, wait_for_http
from tests.stack import wait_until

pytestmark = pytest.mark.postgres

ENTRIES = 100_000
"""About 27 MB of ledger report: far more than the sockets' buffers hold, so the server is
still sending when the client goes."""
WORKER_TIMEOUT = 2
SEED = f"""
    INSERT INTO consent_ledger (subject_id, seq, kind, purpose, previous_status, status,
                                source, actor, policy_version, recorded_at, evidence,
                                evidence_nonce, evidence_digest, prev_hash, hash)
    SELECT lpad(to_hex(n), 32, '0')::uuid, 1, 'consent', 'newsletters', NULL, 'granted',
           'registration', 'seed', '2026-11-01', now(), NULL, NULL,
           md5(n::text) || md5(n::text), md5('p' || n) || md5('p' || n),
           md5('h' || n) || md5('h' || n)
    FROM generate_series(1, {ENTRIES}) AS n
"""


@dataclass(frozen=True)
class Served:
    server: Logged
    url: str
    key: str
    port: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("report-gunicorn")
    with fresh_postgres("consent_report") as url:
        schema.upgrade(url.replace("postgresql://", "postgresql+psycopg://"))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SEED)
        port = free_port()
        environ = {
            "CONSENT_INSTANCE_DIR": str(home / "instance"),
            "CONSENT_DATABASE_URL": url,
            "BROKER_URL": "",
            "CONSENT_SECRET_KEY": "report-secret",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "XDG_RUNTIME_DIR": str(home),
        }
        server = start_logged(
            python_module(
                "gunicorn",
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                # the command line wins over the file: a short timeout, to outlast it
                "--timeout",
                str(WORKER_TIMEOUT),
                "consent_service.wsgi:app",
            ),
            environ,
            home / "gunicorn.log",
            f"http://127.0.0.1:{port}",
        )
        try:
            wait_for_http(f"{server.base}/healthz", timeout=60)
            yield Served(server, url, new_key(environ, "subjects:read"), port)
        finally:
            server.stop()


def open_download(served: Served) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", served.port), timeout=30)
    connection.sendall(
        (
            "GET /v1/reports/consents?kind=ledger HTTP/1.1\r\nHost: localhost\r\n"
            f"Authorization: Bearer {served.key}\r\nConnection: close\r\n\r\n"
        ).encode()
    )
    return connection


def busy_backends(url: str) -> list[str]:
    """The states of the server's connections that are in a transaction or a query."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT state FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
            "AND state IS DISTINCT FROM 'idle'"
        ).fetchall()
    return [state for (state,) in rows]


def test_an_abandoned_download_gives_its_connection_back(served: Served) -> None:
    connection = open_download(served)
    received = b""
    while len(received) < 256 * 1024:
        received += connection.recv(65536)
    assert b" 200 " in received.split(b"\r\n", 1)[0]
    assert busy_backends(served.url), "the download holds no transaction: nothing is proved"

    # RST rather than FIN: the client is gone, as when a browser tab is closed
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()

    assert wait_until(lambda: not busy_backends(served.url), 20), busy_backends(served.url)
    served.server.wait_for("GET /v1/reports/consents?kind=ledger")


def test_a_download_longer_than_the_worker_timeout_is_sent_whole(served: Served) -> None:
    connection = open_download(served)
    started, received = time.monotonic(), bytearray()
    while chunk := connection.recv(256 * 1024):
        received += chunk
        time.sleep(0.05)  # a client on a slow line: the download outlasts the timeout
    connection.close()

    head, _, body = bytes(received).partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n", 1)[0]
    assert body.endswith(b"0\r\n\r\n"), "the chunked body was cut short"
    assert b"WORKER TIMEOUT" not in served.server.log.read_bytes()
    assert time.monotonic() - started > 2 * WORKER_TIMEOUT
    assert body.count(b"\r\n") > ENTRIES
