"""Request plumbing shared by the JSON routes: bodies, keys, scopes and transactions."""

import functools
import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import current_app, g, has_request_context, request
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from consent_service.adapters.repository import SqlRepository
from consent_service.api.problems import Problem, invalid_body
from consent_service.services.api_keys import Client, authenticate, is_live
from plumbing.text import storable

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
    return _loaded(schema, parse_json(request.get_data(cache=True)))


def query_args(schema: Schema) -> dict[str, Any]:
    """The query string as the schema loads it (a repeated parameter counts once), or 422."""
    return _loaded(schema, request.args.to_dict(), "The query string is not valid.")


def _loaded(schema: Schema, data: Any, detail: str = "The request body is not valid.") -> Any:
    try:
        return schema.load(data)
    except ValidationError as error:
        errors = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise invalid_body(errors, detail) from None


MAX_NESTING = 32
"""Arrays and objects inside one another in a body: no body the API reads needs more than
five, and a bound keeps every later walk over the body (the schemas, the error document) far
from Python's recursion limit."""


def parse_json(raw: bytes) -> Any:
    """A JSON document whose objects each name a key once; else 400 or 422 saying why.

    Python keeps the last of two equal keys, so `{"source": "import", "source": "order"}`
    would be read one way here and another by a client, a proxy or a log reader that keeps
    the first: a duplicate is refused, naming where it is (decision 0019).
    """
    try:
        document = json.loads(raw, object_pairs_hook=_Object.of)
    except (ValueError, UnicodeDecodeError) as error:
        raise _malformed(f"The body is not valid JSON: {error}.") from None
    except RecursionError:
        raise _malformed(f"The body nests more than {MAX_NESTING} arrays or objects.") from None
    duplicates = _duplicated_keys(document)
    if duplicates:
        keys = ", ".join(sorted({repr(path[-1]) for path in duplicates}))
        raise Problem(
            422,
            "Duplicate key",
            f"A JSON object names a key more than once: {keys}.",
            slug="duplicate-key",
            errors=_nested(duplicates, "Given more than once; name each key once."),
        )
    return document


def _malformed(detail: str) -> Problem:
    return Problem(400, "Malformed JSON", detail, slug="malformed-json")


class _Object(dict[str, Any]):
    """A JSON object as parsed, with the keys its text names more than once."""

    duplicated: tuple[str, ...] = ()

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> "_Object":
        parsed = cls(pairs)
        if len(parsed) != len(pairs):
            counts = Counter(key for key, _ in pairs)
            parsed.duplicated = tuple(key for key, count in counts.items() if count > 1)
        return parsed


def _duplicated_keys(document: Any) -> list[tuple[str, ...]]:
    """The path of every duplicated key; 400 beyond MAX_NESTING. Iterative, so that a deep
    document cannot exhaust the stack here either."""
    found: list[tuple[str, ...]] = []
    pending: list[tuple[tuple[str, ...], Any]] = [((), document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict | list) and len(path) >= MAX_NESTING:
            raise _malformed(f"The body nests more than {MAX_NESTING} arrays or objects.")
        if isinstance(value, _Object):
            found.extend((*path, key) for key in value.duplicated)
            pending.extend(((*path, key), inner) for key, inner in value.items())
        elif isinstance(value, list):
            pending.extend(((*path, str(index)), inner) for index, inner in enumerate(value))
    return found


def _nested(paths: list[tuple[str, ...]], message: str) -> dict[str, Any]:
    """`{"subject": {"email": [message]}}` for ("subject", "email"): the shape of `errors`."""
    errors: dict[str, Any] = {}
    for path in sorted(paths, key=len):
        level = errors
        for key in path[:-1]:
            level = level.setdefault(key, {})
            if not isinstance(level, dict):  # an outer duplicate says it already
                break
        else:
            level[path[-1]] = [message]
    return errors


def subject_id_from(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Problem(
            404, "Subject not found", f"No subject {raw!r}.", slug="subject-not-found"
        ) from None


def client() -> Client:
    return g.client


def _unauthorized(detail: str) -> Problem:
    return Problem(
        401, "Unauthorized", detail, slug="unauthorized", headers={"WWW-Authenticate": "Bearer"}
    )


def require(scope: str | None) -> Callable[[F], F]:
    """Authenticate the Bearer key; with a scope, also require it (401, then 403).

    A key that came from the cache is confirmed not revoked in the view's first transaction
    (`read_only`, `in_transaction`), or in one of its own when the view opened none.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            g.pop(_UNCONFIRMED, None)
            header = request.headers.get("Authorization", "")
            scheme, _, presented = header.partition(" ")
            if scheme.lower() != "bearer" or not presented.strip():
                raise _unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
            # a NUL (never part of a key) would fail the lookup in PostgreSQL
            found = _authenticated(presented.strip()) if storable(presented) else None
            if found is None:
                raise _unauthorized("Unknown or revoked API key.")
            g.client = found
            try:
                if scope is not None and not found.may(scope):
                    raise Problem(
                        403, "Forbidden", f"This key lacks the '{scope}' scope.", slug="forbidden"
                    )
                answer = view(*args, **kwargs)
            except Exception:
                _confirm_key_alone()  # a revoked key gets 401, not the view's refusal
                raise
            _confirm_key_alone()
            return answer

        return wrapped  # type: ignore[return-value]

    return decorate


KEY_CACHE_SECONDS = 60.0
_known_keys: dict[str, tuple[float, Client]] = {}
_UNCONFIRMED = "unconfirmed_key_id"


def _authenticated(presented: str) -> Client | None:
    """The key's client, from a per-process cache of keys verified in the last minute.

    Every request carries a key; verifying it costs a connection checkout, a transaction and
    a query, as much as a third of a consent write. Only keys that verified are cached (by a
    digest, not the key), so an unknown key is always checked against the database. A cached
    key is still confirmed not revoked on every request, by one primary-key read inside the
    transaction the request opens anyway (`_confirm_key`): revocation takes effect at the
    next request in every process (docs/decisions/0020).
    """
    digest = hashlib.sha256(presented.encode()).hexdigest()
    cached = _known_keys.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        setattr(g, _UNCONFIRMED, cached[1].key_id)
        return cached[1]
    with read_only() as registry:
        found = authenticate(registry, presented)
    if found is not None:
        if len(_known_keys) > 10_000:
            _known_keys.clear()
        _known_keys[digest] = (time.monotonic() + KEY_CACHE_SECONDS, found)
    return found


def _confirm_key(registry: SqlRepository) -> None:
    """In a request whose key came from the cache: refuse it if it was revoked since."""
    if not has_request_context():
        return
    key_id = g.get(_UNCONFIRMED)
    if key_id is None:
        return
    if not is_live(registry, key_id):
        for digest, (_, known) in list(_known_keys.items()):
            if known.key_id == key_id:
                _known_keys.pop(digest, None)
        raise _unauthorized("Unknown or revoked API key.")
    g.pop(_UNCONFIRMED)


def _confirm_key_alone() -> None:
    """A cached key the view did not confirm (it opened no transaction, or refused before it
    did) is confirmed in a transaction of its own before the answer leaves."""
    if g.get(_UNCONFIRMED) is None:
        return
    with current_app.extensions["consent.sessions"]() as session, session.begin():
        _confirm_key(SqlRepository(session))


@contextmanager
def read_only() -> Iterator[SqlRepository]:
    """A session for reading. It ends with COMMIT: a ROLLBACK makes psycopg drop its prepared
    statements, and PostgreSQL would then parse and plan every later statement afresh."""
    with current_app.extensions["consent.sessions"]() as session, session.begin():
        registry = SqlRepository(session)
        _confirm_key(registry)
        yield registry


T = TypeVar("T")


def in_transaction(work: Callable[[SqlRepository], T], attempts: int = 3) -> T:
    """Run work in one transaction, committed only if it returns.

    Two first sign-ups with one address, or two retries of one Idempotency-Key, race on a
    unique index; the loser rolls back entirely and runs again, then finds the winner's row.
    """
    sessions = current_app.extensions["consent.sessions"]
    for attempt in range(attempts):
        try:
            with sessions() as session, session.begin():
                registry = SqlRepository(session)
                _confirm_key(registry)
                return work(registry)
        except (IntegrityError, OperationalError) as error:
            if attempt == attempts - 1 or not _retryable(error):
                raise
    raise AssertionError("unreachable")


def _retryable(error: Exception) -> bool:
    if isinstance(error, IntegrityError):
        return True
    text = str(error).lower()
    return "deadlock" in text or "could not serialize" in text or "database is locked" in text
