"""Request plumbing shared by the JSON routes: bodies, keys, scopes and transactions."""

import functools
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import current_app, g, request
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from consent_service.adapters.repository import Registry
from consent_service.api.problems import Problem, invalid_body
from consent_service.services.api_keys import Client, authenticate

F = TypeVar("F", bound=Callable[..., Any])


def now() -> datetime:
    return datetime.now(UTC)


def json_body(schema: Schema) -> dict[str, Any]:
    """The body as the schema loads it, or the problem that says what is wrong with it."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Problem(
            415,
            "Unsupported Media Type",
            "Send the body as application/json.",
            slug="unsupported-media-type",
        )
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise Problem(
            400, "Malformed JSON", f"The body is not valid JSON: {error}.", slug="malformed-json"
        ) from None
    try:
        return schema.load(data)
    except ValidationError as error:
        errors = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise invalid_body(errors) from None


def subject_id_from(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Problem(
            404, "Subject not found", f"No subject {raw!r}.", slug="subject-not-found"
        ) from None


def client() -> Client:
    return g.client


def require(scope: str | None) -> Callable[[F], F]:
    """Authenticate the Bearer key; with a scope, also require it (401, then 403)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            scheme, _, presented = header.partition(" ")
            if scheme.lower() != "bearer" or not presented.strip():
                raise Problem(
                    401,
                    "Unauthorized",
                    "Send an API key as 'Authorization: Bearer <key>'.",
                    slug="unauthorized",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            found = _authenticated(presented.strip())
            if found is None:
                raise Problem(
                    401,
                    "Unauthorized",
                    "Unknown or revoked API key.",
                    slug="unauthorized",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            if scope is not None and not found.may(scope):
                raise Problem(
                    403, "Forbidden", f"This key lacks the '{scope}' scope.", slug="forbidden"
                )
            g.client = found
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


KEY_CACHE_SECONDS = 60.0
_known_keys: dict[str, tuple[float, Client]] = {}


def _authenticated(presented: str) -> Client | None:
    """The key's client, from a per-process cache of keys verified in the last minute.

    Every request carries a key; looking it up costs a connection checkout and a query, as
    much as a third of a consent write. Only keys that verified are cached (by a digest, not
    the key), so an unknown key is always checked against the database.
    """
    digest = hashlib.sha256(presented.encode()).hexdigest()
    cached = _known_keys.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    with read_only() as registry:
        found = authenticate(registry, presented)
    if found is not None:
        if len(_known_keys) > 10_000:
            _known_keys.clear()
        _known_keys[digest] = (time.monotonic() + KEY_CACHE_SECONDS, found)
    return found


@contextmanager
def read_only() -> Iterator[Registry]:
    """A session for reading. It ends with COMMIT: a ROLLBACK makes psycopg drop its prepared
    statements, and PostgreSQL would then parse and plan every later statement afresh."""
    with current_app.extensions["consent.sessions"]() as session, session.begin():
        yield Registry(session)


T = TypeVar("T")


def in_transaction(work: Callable[[Registry], T], attempts: int = 3) -> T:
    """Run work in one transaction, committed only if it returns.

    Two first sign-ups with one address, or two retries of one Idempotency-Key, race on a
    unique index; the loser rolls back entirely and runs again, then finds the winner's row.
    """
    sessions = current_app.extensions["consent.sessions"]
    for attempt in range(attempts):
        try:
            with sessions() as session, session.begin():
                return work(Registry(session))
        except (IntegrityError, OperationalError) as error:
            if attempt == attempts - 1 or not _retryable(error):
                raise
    raise AssertionError("unreachable")


def _retryable(error: Exception) -> bool:
    if isinstance(error, IntegrityError):
        return True
    text = str(error).lower()
    return "deadlock" in text or "could not serialize" in text or "database is locked" in text
