"""Per-client rate limits for the faces people use, counted by one limiter per app.

Each face gives its blueprints one shared budget per client address. It is counted in memory
per process unless `PUBLIC_RATE_LIMIT_STORAGE` names a shared store (`redis://...`), which a
deployment with several processes should use.
"""

from collections.abc import Callable, Iterable

from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from consent_service.config import Settings

_LIMITER = "faces.limiter"


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
            strategy="fixed-window",
            headers_enabled=True,
        )
    shared = limiter.shared_limit(limit, scope=scope, exempt_when=exempt_when)
    for blueprint in blueprints:
        shared(blueprint)
