"""Per-client rate limiting of the public pages (`PUBLIC_RATE_LIMIT`, SPEC section 2).

One shared budget per client address across every public page and form (faces/limits.py).
The RFC 8058 one-click POST is not counted: it comes from a mail provider's few servers on
behalf of many people, and throttling it would keep people subscribed who asked to leave.
"""

from flask import Blueprint, Flask, request

from consent_service.config import Settings
from consent_service.faces.limits import share_limit

ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"


def is_one_click() -> bool:
    """An RFC 8058 one-click unsubscribe: a POST whose form says `List-Unsubscribe=One-Click`."""
    return (
        request.method == "POST"
        and request.endpoint == "links.unsubscribe"
        and request.form.get(ONE_CLICK_FIELD) == ONE_CLICK_VALUE
    )


def limit_public_pages(app: Flask, settings: Settings, blueprints: list[Blueprint]) -> None:
    if settings.public_rate_limit is None:
        return
    share_limit(
        app,
        settings,
        blueprints,
        limit=settings.public_rate_limit,
        scope="public-pages",
        exempt_when=is_one_click,
    )
