"""Per-client rate limits for the faces people use, counted by one limiter per app.

Each face gives its blueprints one shared budget per client address. It is counted in memory
per process unless `PUBLIC_RATE_LIMIT_STORAGE` names a shared store (`redis://...`), which a
deployment with several processes should use (docs/decisions/0042).

A limit protects the pages; it must never take them down. When the shared store does not
answer, each process counts in memory on its own (the same budget, per process) and logs
`Rate limit storage unreachable` once, with no client address; it tries the store again
with growing pauses and logs `Rate limit storage recovered` when it answers. Flask-Limiter's
own line for a refused request names the client's address; it is logged without it.
"""

import logging
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from consent_service.config import Settings

_LIMITER = "faces.limiter"
STORE_TIMEOUT_SECONDS = 0.5
"""How long a request waits for Redis before counting in memory: a store that hangs (not
refusing, just silent) must not hold every public page for a socket's default timeout."""


class _WithoutClient(logging.Filter):
    """Masks the limit key (it holds the client's address) in Flask-Limiter's breach line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("ratelimit ") and isinstance(record.args, tuple):
            record.args = tuple("<client>" if i == 1 else a for i, a in enumerate(record.args))
        return True


_LOG = logging.getLogger("flask-limiter")
if not any(isinstance(existing, _WithoutClient) for existing in _LOG.filters):
    _LOG.addFilter(_WithoutClient())


def storage_options(uri: str) -> dict[str, str | int | float]:
    """The client options for the store `uri` names: short timeouts for Redis, none else."""
    if uri.startswith(("redis", "rediss")):
        return {
            "socket_connect_timeout": STORE_TIMEOUT_SECONDS,
            "socket_timeout": STORE_TIMEOUT_SECONDS,
        }
    return {}


def share_limit(
    app: Flask,
    settings: Settings,
    blueprints: Iterable[Blueprint],
    *,
    limit: str,
    scope: str,
    exempt_when: Callable[[], bool] | None = None,
) -> None:
    """Count every request to `blueprints` against one budget of `limit` per client, except
    those `exempt_when` says are not to be counted."""
    limiter = app.extensions.get(_LIMITER)
    if limiter is None:
        limiter = app.extensions[_LIMITER] = Limiter(
            get_remote_address,
            app=app,
            storage_uri=settings.rate_limit_storage,
            storage_options=storage_options(settings.rate_limit_storage),  # type: ignore[arg-type]
            strategy="fixed-window",
            headers_enabled=True,
            in_memory_fallback_enabled=True,  # fail open, but still per-process limits
            swallow_errors=True,  # any other store error: let the request through
        )
    shared = limiter.shared_limit(limit, scope=scope, exempt_when=exempt_when)
    for blueprint in blueprints:
        shared(blueprint)
