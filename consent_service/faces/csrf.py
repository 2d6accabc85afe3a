"""CSRF protection for the forms of the public pages and the console: a cookie and a hidden
field derived from it.

The first GET of a form sets a random cookie (HttpOnly, SameSite=Lax, Secure only when the
public base URL is https); the form carries an HMAC of it under the secret key. A POST is
accepted when the field matches the cookie; a page of another site can neither read the
cookie nor compute the field. No Origin or Referer header is required (SPEC section 5):
privacy tools strip them. The RFC 8058 one-click POST is exempt by design: mail providers
send it with no cookie (section 3.2), and the signed token in its URL is the capability.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable

from flask import Blueprint, Response, current_app, g, request
from markupsafe import Markup
from werkzeug.exceptions import Forbidden

COOKIE = "consent_csrf"
FIELD = "csrf_token"
_COOKIE_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


class CsrfRejected(Forbidden):
    description = "The form's security check failed; reload the page and try again."


def _mac(cookie: str) -> str:
    key = current_app.extensions["consent.settings"].secret_key.encode()
    return hmac.new(key, b"csrf\n" + cookie.encode(), hashlib.sha256).hexdigest()


def token() -> str:
    """The hidden field's value for this visitor, setting their cookie if they have none."""
    cookie = g.get("csrf_cookie") or request.cookies.get(COOKIE, "")
    if not _COOKIE_SHAPE.fullmatch(cookie):
        cookie = secrets.token_urlsafe(32)
        g.csrf_new_cookie = cookie
    g.csrf_cookie = cookie
    return _mac(cookie)


def field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token())


def check() -> None:
    cookie = request.cookies.get(COOKIE, "")
    # compared as bytes: compare_digest raises TypeError for a str with non-ASCII characters
    presented = request.form.get(FIELD, "").encode("utf-8", "replace")
    expected = _mac(cookie).encode()
    if not _COOKIE_SHAPE.fullmatch(cookie) or not hmac.compare_digest(expected, presented):
        raise CsrfRejected()


def protect(blueprint: Blueprint, exempt_when: Callable[[], bool] = lambda: False) -> None:
    """Check every POST to the blueprint's routes, except where `exempt_when()` says so."""

    @blueprint.before_request
    def _check() -> None:
        if request.method == "POST" and not exempt_when():
            check()


def set_cookie(response: Response, secure: bool) -> Response:
    cookie = g.get("csrf_new_cookie")
    if cookie:
        response.set_cookie(COOKIE, cookie, secure=secure, httponly=True, samesite="Lax")
    return response
