"""The console's side of a session: its cookie, the app's sign-in rules, the person's client.

The cookie holds a random 256-bit id and nothing else (the database keeps its SHA-256):
HttpOnly, SameSite=Lax, Secure over https, only sent to /console, and ended by the browser
when it closes; the server ends it sooner (idle and absolute timeouts, services/
staff_sign_in.py). Argon2id hashing is the app's `Passwords` (tests put cheaper parameters in
`PASSWORDS`).
"""

import hashlib
import hmac

from flask import Response, current_app, request
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.passwords import Passwords
from consent_service.config import Settings
from consent_service.domain.staff.throttle import LoginThrottle
from consent_service.services.staff_sign_in import SignInRules

COOKIE = "consent_console"
PATH = "/console"
PASSWORDS = "console.passwords"
"""Where the app keeps its password hasher."""
_RULES = "console.sign_in_rules"
MAX_CLIENT = 64


def settings() -> Settings:
    return current_app.extensions["consent.settings"]


def is_https() -> bool:
    return request.is_secure or settings().public_base_url.startswith("https://")


def passwords() -> Passwords:
    extensions = current_app.extensions
    if PASSWORDS not in extensions:
        extensions[PASSWORDS] = Passwords()
    return extensions[PASSWORDS]


def rules() -> SignInRules:
    extensions = current_app.extensions
    if _RULES not in extensions:
        current = settings()
        key = current.secret_key.encode()

        def keyed_hash(throttle_key: str) -> bytes:
            message = b"console-login\n" + throttle_key.encode("utf-8", "surrogatepass")
            return hmac.new(key, message, hashlib.sha256).digest()

        extensions[_RULES] = SignInRules(
            sessions=current.console.sessions,
            throttle=LoginThrottle(),
            second_factor_required=current.console.second_factor_required,
            keyed_hash=keyed_hash,
        )
    return extensions[_RULES]


def client_address() -> str:
    """The client's network address (the visitor's behind CONSENT_TRUSTED_PROXIES)."""
    return (request.remote_addr or "unknown")[:MAX_CLIENT]


def cookie_value() -> str | None:
    return request.cookies.get(COOKIE) or None


def set_cookie(response: Response | WerkzeugResponse, session_id: str) -> WerkzeugResponse:
    response.set_cookie(
        COOKIE, session_id, path=PATH, secure=is_https(), httponly=True, samesite="Lax"
    )
    return response


def clear_cookie(response: Response | WerkzeugResponse) -> WerkzeugResponse:
    if cookie_value() is not None:
        response.delete_cookie(COOKIE, path=PATH, secure=is_https(), httponly=True, samesite="Lax")
    return response
