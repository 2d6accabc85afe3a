"""What only the JSON routes need: Bearer keys and their scopes, subject ids in paths.

Transactions, the clock, bodies and problem documents are every face's (consent_service/faces).
"""

import functools
import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import request

from consent_service.adapters.repository import SqlRepository
from consent_service.faces.actor import Confirmation, act_as, current_actor, forget_actor
from consent_service.faces.problems import Problem
from consent_service.faces.transactions import confirm_actor_alone, read_only
from consent_service.services.api_keys import Client, authenticate, is_live
from plumbing.text import storable

F = TypeVar("F", bound=Callable[..., Any])


def subject_id_from(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Problem(
            404, "Subject not found", f"No subject {raw!r}.", slug="subject-not-found"
        ) from None


def client() -> Client:
    """The request's actor: the client whose key `require` accepted."""
    return cast(Client, current_actor())


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
            forget_actor()
            header = request.headers.get("Authorization", "")
            scheme, _, presented = header.partition(" ")
            if scheme.lower() != "bearer" or not presented.strip():
                raise _unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
            # a NUL (never part of a key) would fail the lookup in PostgreSQL
            found = _authenticated(presented.strip()) if storable(presented) else None
            if found is None:
                raise _unauthorized("Unknown or revoked API key.")
            try:
                if scope is not None and not found.may(scope):
                    raise Problem(
                        403, "Forbidden", f"This key lacks the '{scope}' scope.", slug="forbidden"
                    )
                answer = view(*args, **kwargs)
            except Exception:
                confirm_actor_alone()  # a revoked key gets 401, not the view's refusal
                raise
            confirm_actor_alone()
            return answer

        wrapped.required_scope = scope  # type: ignore[attr-defined]  # for the OpenAPI document
        return cast(F, wrapped)  # functools.wraps keeps the view's signature

    return decorate


KEY_CACHE_SECONDS = 60.0
_known_keys: dict[str, tuple[float, Client]] = {}


def _authenticated(presented: str) -> Client | None:
    """The key's client, from a per-process cache of keys verified in the last minute; the
    request acts as it.

    Every request carries a key; verifying it costs a connection checkout, a transaction and
    a query, as much as a third of a consent write. Only keys that verified are cached (by a
    digest, not the key), so an unknown key is always checked against the database. A cached
    key is still confirmed not revoked on every request, by one primary-key read inside the
    transaction the request opens anyway (`_still_live`): revocation takes effect at the
    next request in every process (docs/decisions/0020).
    """
    digest = hashlib.sha256(presented.encode()).hexdigest()
    cached = _known_keys.get(digest)
    if cached is not None and cached[0] > time.monotonic():
        act_as(cached[1], confirm=_still_live(cached[1].key_id))
        return cached[1]
    with read_only() as registry:
        found = authenticate(registry, presented)
    if found is not None:
        if len(_known_keys) > 10_000:
            _known_keys.clear()
        _known_keys[digest] = (time.monotonic() + KEY_CACHE_SECONDS, found)
        act_as(found)
    return found


def _still_live(key_id: str) -> Confirmation:
    """The check of a key that came from the cache: refuse it if it was revoked since."""

    def confirm(registry: SqlRepository) -> None:
        if not is_live(registry, key_id):
            for digest, (_, known) in list(_known_keys.items()):
                if known.key_id == key_id:
                    _known_keys.pop(digest, None)
            raise _unauthorized("Unknown or revoked API key.")

    return confirm
