"""Who acts through a face: the API key's client today, a console user next.

The face that authenticates a request names its actor (`act_as`). An actor taken from a
per-process cache (API keys, decision 0020) must still be confirmed valid, and the check
costs one primary-key read: it runs inside the request's first transaction, which
`transactions` opens anyway, rather than in a transaction of its own.
"""

from collections.abc import Callable
from typing import Protocol

from flask import g, has_request_context

from consent_service.adapters.repository import SqlRepository

Confirmation = Callable[[SqlRepository], None]
"""Raises (a 401 problem, say) when the actor is no longer valid; returns when it is."""

_ACTOR = "actor"
_UNCONFIRMED = "actor_confirmation"


class Actor(Protocol):
    @property
    def name(self) -> str: ...


def act_as(actor: Actor, confirm: Confirmation | None = None) -> None:
    """The request acts as `actor`; `confirm` is run in its first transaction, if given."""
    setattr(g, _ACTOR, actor)
    setattr(g, _UNCONFIRMED, confirm)


def current_actor() -> Actor:
    return getattr(g, _ACTOR)


def forget_actor() -> None:
    """No actor yet: a request that authenticates again starts from nothing."""
    g.pop(_ACTOR, None)
    g.pop(_UNCONFIRMED, None)


def unconfirmed() -> bool:
    return has_request_context() and g.get(_UNCONFIRMED) is not None


def confirm_actor(registry: SqlRepository) -> None:
    """Run the actor's pending confirmation in this transaction; once it passes, never again
    in this request. A confirmation that raises stays pending."""
    if not unconfirmed():
        return
    g.get(_UNCONFIRMED)(registry)
    g.pop(_UNCONFIRMED)
