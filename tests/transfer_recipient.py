"""A third party's endpoint for direct transfers, on 127.0.0.1, for the tests.

It records every request (path, headers, raw body) and answers from a script of statuses
(then 200); a 3xx points to `/elsewhere`, so a test can see a redirect was not followed.
`verify` checks a request as a recipient would: the HMAC over timestamp "." raw body.
Given a TLS context it serves https (with a certificate from tests/tls.py).
"""

import hashlib
import hmac
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Recipient:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[Received] = []
        self.script: list[int] = []
        self._lock = threading.Lock()
        recipient = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with recipient._lock:
                    recipient.received.append(Received(self.path, dict(self.headers), body))
                    status = recipient.script.pop(0) if recipient.script else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.scheme = "https" if tls else "http"
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/in", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.server.server_address[1]}{path}"

    def answer(self, *statuses: int) -> None:
        """The statuses of the next requests, in order; 200 after them."""
        with self._lock:
            self.script.extend(statuses)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"{len(self.received)} of {count} requests came"
        return self.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, request: Received, max_age: float = 300.0) -> bool:
    """What a recipient checks: a fresh timestamp and the signature over timestamp.body."""
    timestamp = request.headers["X-Consent-Timestamp"]
    presented = request.headers["X-Consent-Signature"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - int(timestamp)) <= max_age
    return fresh and hmac.compare_digest(presented, f"sha256={expected}")


def serving() -> Iterator[Recipient]:
    """The body of a test's `recipient_server` fixture: a recipient, closed afterwards."""
    server = Recipient()
    yield server
    server.close()
