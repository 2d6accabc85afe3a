"""The HTTP floor: the same gunicorn, request and 10 rows as the service, without its stack.

gunicorn imports these callables (`support.floor_apps:floor_bare_app`, bench/ on its Python
path). Each parses the body and writes one first-time write's rows with psycopg: what this
web stack costs without SQLAlchemy, marshmallow or the domain code.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import Any

import psycopg

from support.raw_writes import raw_transaction

FLOORS = [
    ("support.floor_apps:floor_bare_app", "HTTP floor: bare WSGI + psycopg"),
    ("support.floor_apps:floor_pipeline_app", "HTTP floor: bare WSGI, pipelined"),
    ("support.floor_apps:floor_flask_app", "HTTP floor: Flask + psycopg"),
]

_local = threading.local()  # one connection per worker thread (gthread shares a process)


def _write(body: bytes, pipeline: bool = False) -> dict[str, Any]:
    """Parse the body, write one first-time write's rows in one transaction, answer.
    With pipeline, BEGIN, the 4 INSERTs and COMMIT go in one round trip."""
    data = json.loads(body)
    email = data["subject"]["email"].strip().lower()
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["CONSENT_DATABASE_URL"])
    if pipeline:
        with conn.pipeline(), conn.cursor() as cur:
            subject = raw_transaction(cur, 3, email)
            conn.commit()
    else:
        with conn.cursor() as cur:
            subject = raw_transaction(cur, 3, email)
        conn.commit()
    return {"subject_id": str(subject), "email": email, "purposes": data["purposes"]}


def _wsgi(
    environ: dict[str, Any], start_response: Callable[..., Any], pipeline: bool
) -> list[bytes]:
    if environ["REQUEST_METHOD"] == "GET":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ready"]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    answer = json.dumps(_write(body, pipeline)).encode()
    start_response(
        "201 Created",
        [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))],
    )
    return [answer]


def floor_bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """A bare WSGI callable: no Flask, no SQLAlchemy, no marshmallow."""
    return _wsgi(environ, start_response, pipeline=False)


def floor_pipeline_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The bare WSGI callable with the transaction in one pipelined round trip."""
    return _wsgi(environ, start_response, pipeline=True)


_flask: list[Any] = []


def floor_flask_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    """Flask routing, request and jsonify around the same write; no SQLAlchemy, no schema."""
    if not _flask:
        from flask import Flask, jsonify, request

        app = Flask("floor")

        @app.get("/readyz")
        def ready() -> str:
            return "ready"

        @app.post("/v1/consents")
        def consents() -> Any:
            return jsonify(_write(request.get_data())), 201

        _flask.append(app)
    return _flask[0](environ, start_response)
