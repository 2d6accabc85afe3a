"""A real registry for the mailer's tests: the Flask app on a free port, in a thread.

The mailer package never imports the registry; its tests may, to run one end to end.
"""

import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from consent_service.adapters import orm
from consent_service.adapters import schema as registry_schema
from consent_service.adapters.repository import SqlRepository
from consent_service.app import create_app
from consent_service.config import Settings
from consent_service.services import api_keys


@dataclass
class RunningRegistry:
    base_url: str
    key: str
    app: Flask

    def call(self, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def outbox(self) -> list[dict[str, Any]]:
        """The messages the registry wrote for the relay, oldest first."""
        query = select(orm.OutboxMessage.payload).order_by(orm.OutboxMessage.id)
        with self.app.extensions["consent.sessions"]() as session:
            return list(session.scalars(query))


@contextmanager
def running_registry(tmp_path: Path) -> Iterator[RunningRegistry]:
    url = f"sqlite:///{tmp_path / 'consent.db'}"
    registry_schema.upgrade(url)
    settings = Settings.from_env(
        {
            "CONSENT_INSTANCE_DIR": str(tmp_path / "registry"),
            "CONSENT_DATABASE_URL": url,
            "CONSENT_SECRET_KEY": "test-secret",
        }
    )
    app = create_app(settings)
    with app.extensions["consent.sessions"]() as session, session.begin():
        scopes = ["consents:write", "subjects:read", "subjects:write", "sync:read"]
        key = api_keys.create_key(SqlRepository(session), "mailer test", scopes, datetime.now(UTC))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield RunningRegistry(f"http://127.0.0.1:{server.server_port}", key, app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["consent.engine"].dispose()
