"""Single sign-on with OpenID Connect: `/console/oidc/start` and `/console/oidc/callback`.

Authlib's Flask client does the protocol (decision 0028): the provider's discovery document,
the authorization code flow with PKCE S256, `state` and `nonce` (kept in a signed cookie for
the few minutes a sign-in takes, only sent to /console/oidc), and the ID token verified
(signature against the provider's published keys, issuer, audience, expiry, nonce). The
person's `groups` claim gives their roles (domain/staff/groups.py); groups that give none give
no access and create nothing. The person is known by issuer and `sub`.

Register `<PUBLIC_BASE_URL>/console/oidc/callback` as the client's redirect URI at the provider.
"""

import logging
from datetime import timedelta

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from joserfc.errors import JoseError
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.config import Settings, SingleSignOn
from consent_service.console import sessions
from consent_service.console.access import PUBLIC, STEP_PAGES, allow, guard
from consent_service.console.pages import forbidden, render
from consent_service.console.sign_in import safe_next
from consent_service.domain.staff.groups import roles_for_groups
from consent_service.domain.staff.sign_in import Step
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction
from consent_service.services import staff_sign_in
from consent_service.services.staff_sign_in import NoAccess, ProviderIdentity

blueprint = Blueprint("console_oidc", __name__, url_prefix="/console/oidc")
csrf.protect(blueprint)
guard(blueprint, forbidden)
log = logging.getLogger(__name__)

SCOPE = "openid email profile groups"
CLIENT = "console"
STATE_COOKIE = "consent_console_oidc"
STATE_LIFETIME = timedelta(minutes=10)
"""How long a sign-in at the provider may take: the signed state cookie is refused after."""
NEXT = "console_next"
PROVIDER_TIMEOUT = 10.0
"""Seconds the registry waits for the provider's discovery, keys and token endpoints."""


def init(app: Flask, settings: Settings) -> None:
    """Register the provider's client, and keep Flask's signed cookie, where Authlib keeps a
    sign-in's state, to single sign-on's own addresses."""
    configured = settings.console.single_sign_on
    if configured is None:
        return
    https = settings.public_base_url.startswith("https://")
    app.config.update(
        SESSION_COOKIE_NAME=STATE_COOKIE,
        SESSION_COOKIE_PATH="/console/oidc",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        PERMANENT_SESSION_LIFETIME=STATE_LIFETIME,
    )
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        client_id=configured.client_id,
        client_secret=configured.client_secret,
        server_metadata_url=f"{configured.issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": PROVIDER_TIMEOUT,
        },
    )


def _configured() -> SingleSignOn:
    configured = sessions.settings().console.single_sign_on
    if configured is None:
        abort(404)
    return configured


def _client() -> FlaskOAuth2App:
    return current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT)


def callback_url() -> str:
    return f"{sessions.settings().public_base_url}{url_for('console_oidc.callback')}"


@blueprint.post("/start")
@allow(PUBLIC)
def start() -> Response | WerkzeugResponse:
    """Send the browser to the identity provider, with a new state, nonce and PKCE verifier."""
    _configured()
    session[NEXT] = safe_next(request.form.get("next")) or ""
    try:
        return _client().authorize_redirect(callback_url())
    except (requests.RequestException, ValueError) as error:
        return _failed(502, error)


def _failed(status: int, error: Exception) -> Response:
    # what failed, never who: a protocol error names a claim or a parameter, not a person
    detail = str(error)[:200] if isinstance(error, OAuthError | JoseError) else ""
    log.warning(
        "single sign-on failed",
        extra={"event": "console_oidc_failed", "error": type(error).__name__, "detail": detail},
    )
    lead = (
        _("The identity provider did not answer. Try again in a moment.")
        if status == 502
        else _("The sign-in could not be checked, so it was not accepted. Start again.")
    )
    return render(
        "console/notice.html",
        status,
        title=_("Single sign-on did not work"),
        lead=lead,
        back=url_for("console_sign_in.login"),
    )


@blueprint.get("/callback")
@allow(PUBLIC)
def callback() -> Response | WerkzeugResponse:
    """Where the provider sends the browser back: check everything, then sign the person in."""
    configured = _configured()
    # The issuer must be the configured one and the audience must name this client; Authlib
    # checks the signature, expiry and nonce, and by default only the azp for the audience.
    claims_options = {
        "iss": {"essential": True, "value": configured.issuer},
        "aud": {"essential": True, "value": configured.client_id},
    }
    try:
        token = _client().authorize_access_token(claims_options=claims_options)
    except (OAuthError, JoseError) as error:
        return _failed(400, error)
    except (requests.RequestException, ValueError) as error:
        return _failed(502, error)
    claims = token.get("userinfo") or {}
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        return _failed(400, ValueError("no subject in the ID token"))
    identity = ProviderIdentity(
        issuer=configured.issuer,
        subject=claims["sub"],
        email=claims.get("email"),
        name=claims.get("name"),
        roles=roles_for_groups(configured.group_roles, claims.get("groups")),
    )
    outcome = in_transaction(
        lambda registry: staff_sign_in.sign_in_with_provider(
            SqlStaffStore(registry),
            sessions.rules(),
            identity,
            sessions.client_address(),
            clock.now(),
            replaced=sessions.cookie_value(),
        )
    )
    next_url = session.pop(NEXT, "") or None
    if isinstance(outcome, NoAccess):
        return render(
            "console/notice.html",
            403,
            title=_("No access to the console"),
            lead=_("Your account was disabled here. Ask an administrator.")
            if outcome.disabled
            else _(
                "The identity provider knows you, but none of your groups gives a role in "
                "this console. Ask an administrator to add you to a group that does."
            ),
            back=url_for("console_sign_in.login"),
        )
    target = next_url if outcome.step is Step.DONE and next_url else None
    response = redirect(target or url_for(STEP_PAGES[outcome.step]), 303)
    return sessions.set_cookie(response, outcome.session_id)
