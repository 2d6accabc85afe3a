"""`/console/login`, `/console/logout`, `/console/password`, `/console/2fa`: signing in.

Every answer is a page or a redirect (post/redirect/get), with no script needed. A refused
password gets the same page for an unknown address, a wrong password and a disabled account;
a login that must wait gets the sign-in page saying so, with status 429 and Retry-After.
"""

import math
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import segno
from flask import Blueprint, Response, redirect, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters import totp
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import (
    PUBLIC,
    SIGN_IN_STEP,
    STEP_PAGES,
    Visit,
    allow,
    guard,
    signed_in,
    visit,
)
from consent_service.console.pages import forbidden, render
from consent_service.domain.staff.sign_in import MIN_PASSWORD_LENGTH, PasswordProblem, Step
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction
from consent_service.services import staff_factors, staff_sign_in
from consent_service.services.staff_factors import CurrentPasswordWrong, PasswordChanged
from consent_service.services.staff_sign_in import Refused, SignedIn, Waiting

blueprint = Blueprint("console_sign_in", __name__, url_prefix="/console")
csrf.protect(blueprint)
guard(blueprint, forbidden)

MAX_TYPED = 1100
"""Characters kept of a typed field: past any address or password we accept, so that an
oversized field is refused by the rules, not by an error."""


def _field(name: str) -> str:
    return request.form.get(name, "")[:MAX_TYPED]


def safe_next(raw: str | None) -> str | None:
    """A console address to go on to after signing in; None for anything that could lead off
    the console (another host, `//host`, a backslash some browsers read as a slash)."""
    if not raw or "\\" in raw or any(ord(character) < 32 for character in raw):
        return None
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/"):
        return None
    return raw


def _onward(step: Step, next_url: str | None) -> str:
    if step is Step.DONE and next_url:
        return next_url
    return url_for(STEP_PAGES[step])


def _login_page(status: int = 200, **context: Any) -> Response:
    console = sessions.settings().console
    ended = request.args.get("ended")
    return render(
        "console/login.html",
        status,
        title=_("Sign in to the console"),
        local_login=console.local_login,
        single_sign_on=console.single_sign_on is not None,
        next_url=safe_next(request.values.get("next")),
        ended=ended if ended in ("idle", "expired") else None,
        signed_out=request.args.get("signed_out") == "1",
        **context,
    )


@blueprint.get("/login")
@allow(PUBLIC)
def login() -> Response | WerkzeugResponse:
    """The sign-in page: a password form, a single sign-on button, or both."""
    current = visit()
    if current is not None:
        return redirect(_onward(current.step, safe_next(request.args.get("next"))), 303)
    return _login_page()


def _wait_minutes(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds() / 60))


@blueprint.post("/login")
@allow(PUBLIC)
def login_submit() -> Response | WerkzeugResponse:
    """Check the address and password; on success a new session, on its first step."""
    if not sessions.settings().console.local_login:
        return _login_page(403, refused=_("Signing in with a password is turned off here."))
    email, password = _field("email"), _field("password")
    outcome = in_transaction(
        lambda registry: staff_sign_in.sign_in_with_password(
            SqlStaffStore(registry),
            sessions.passwords(),
            sessions.rules(),
            email,
            password,
            sessions.client_address(),
            clock.now(),
            replaced=sessions.cookie_value(),
        )
    )
    if isinstance(outcome, Waiting):
        minutes = _wait_minutes(outcome.wait)
        response = _login_page(429, email=email, waiting_minutes=minutes)
        response.headers["Retry-After"] = str(math.ceil(outcome.wait.total_seconds()))
        return response
    if isinstance(outcome, Refused):
        return _login_page(email=email, refused=_("The address or the password is not right."))
    return _signed_in(outcome, safe_next(request.form.get("next")))


def _signed_in(outcome: SignedIn, next_url: str | None) -> WerkzeugResponse:
    response = redirect(_onward(outcome.step, next_url), 303)
    return sessions.set_cookie(response, outcome.session_id)


@blueprint.post("/logout")
@allow(SIGN_IN_STEP)
def logout() -> WerkzeugResponse:
    """End this session now."""
    session_id = signed_in().session_id
    in_transaction(
        lambda registry: staff_sign_in.sign_out(
            SqlStaffStore(registry), session_id, sessions.client_address(), clock.now()
        )
    )
    response = redirect(url_for("console_sign_in.login", signed_out="1"), 303)
    return sessions.clear_cookie(response)


PASSWORD_PROBLEMS = {
    PasswordProblem.NOT_REPEATED: lambda: _("The two new passwords are not the same."),
    PasswordProblem.TOO_SHORT: lambda: _(
        "A password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH
    ),
    PasswordProblem.TOO_LONG: lambda: _("This password is too long."),
    PasswordProblem.UNCHANGED: lambda: _("Choose a password other than the one you have."),
}


def _password_page(current: Visit, status: int = 200, problem: str | None = None) -> Response:
    return render(
        "console/password.html",
        status,
        title=_("Choose your password"),
        forced=current.account.must_change_password,
        single_sign_on=current.account.single_sign_on,
        min_length=MIN_PASSWORD_LENGTH,
        problem=problem,
        changed=request.args.get("changed") == "1",
    )


@blueprint.get("/password")
@allow(SIGN_IN_STEP)
def password() -> Response | WerkzeugResponse:
    """Set a new password: forced after a one-time password, or whenever the person wants."""
    current = signed_in()
    if current.step not in (Step.CHANGE_PASSWORD, Step.DONE):
        return redirect(url_for(STEP_PAGES[current.step]), 303)
    return _password_page(current)


@blueprint.post("/password")
@allow(SIGN_IN_STEP)
def password_submit() -> Response | WerkzeugResponse:
    current = signed_in()
    if current.step not in (Step.CHANGE_PASSWORD, Step.DONE) or current.account.single_sign_on:
        return redirect(url_for(STEP_PAGES[current.step]), 303)
    typed = (_field("current_password"), _field("new_password"), _field("repeat_password"))
    outcome = in_transaction(
        lambda registry: staff_factors.change_password(
            SqlStaffStore(registry),
            sessions.passwords(),
            sessions.rules(),
            current.resumed,
            *typed,
            sessions.client_address(),
            clock.now(),
        )
    )
    if isinstance(outcome, PasswordProblem):
        return _password_page(current, 200, PASSWORD_PROBLEMS[outcome]())
    if isinstance(outcome, CurrentPasswordWrong):
        return _password_page(current, 200, _("Your current password is not right."))
    if isinstance(outcome, Waiting):
        minutes = _wait_minutes(outcome.wait)
        waiting = _("Too many wrong tries. Wait %(minutes)d minutes.", minutes=minutes)
        return _password_page(current, 429, waiting)
    return _password_changed(outcome, forced=current.account.must_change_password)


def _password_changed(outcome: PasswordChanged, forced: bool) -> WerkzeugResponse:
    """On to the next step of a first sign-in; back to the page, saying so, after a change the
    person chose to make."""
    target = url_for(STEP_PAGES[outcome.step])
    if outcome.step is Step.DONE and not forced:
        target = url_for("console_sign_in.password", changed="1")
    return sessions.set_cookie(redirect(target, 303), outcome.session_id)


def _qr_code(uri: str) -> Markup:
    """The enrolment secret as a QR code, drawn inline as SVG (no script, no inline style)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno draws the SVG from the URI's bits, no text of ours


def _grouped(secret: str) -> str:
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


def _second_factor_page(current: Visit, status: int = 200, problem: str | None = None) -> Response:
    context: dict[str, Any] = {"problem": problem, "enrolled": request.args.get("enrolled") == "1"}
    if current.step is Step.CHECK_SECOND_FACTOR:
        mode = "check"
    elif current.account.has_second_factor:
        mode = "on"
    else:
        mode = "enrol"
        secret = in_transaction(
            lambda registry: staff_factors.enrolment_secret(
                SqlStaffStore(registry), totp, current.resumed
            )
        )
        issuer = sessions.settings().branding.name or _("Console")
        account_name = current.account.email or current.account.shown_name
        uri = totp.provisioning_uri(secret, account_name, issuer)
        context |= {"secret": _grouped(secret), "qr_code": _qr_code(uri)}
    return render(
        "console/second_factor.html",
        status,
        title=_("Two-step sign-in"),
        mode=mode,
        required=current.step is Step.ENROL_SECOND_FACTOR,
        **context,
    )


@blueprint.get("/2fa")
@allow(SIGN_IN_STEP)
def second_factor() -> Response | WerkzeugResponse:
    """Type the code of an authenticator app, or enrol one."""
    current = signed_in()
    if current.step is Step.CHANGE_PASSWORD:
        return redirect(url_for(STEP_PAGES[current.step]), 303)
    return _second_factor_page(current)


@blueprint.post("/2fa")
@allow(SIGN_IN_STEP)
def second_factor_submit() -> Response | WerkzeugResponse:
    current = signed_in()
    if current.step is Step.CHANGE_PASSWORD:
        return redirect(url_for(STEP_PAGES[current.step]), 303)
    code = _field("code")[:32]
    checking = current.step is Step.CHECK_SECOND_FACTOR
    use_case = staff_factors.check_second_factor if checking else staff_factors.enrol_second_factor
    outcome = in_transaction(
        lambda registry: use_case(
            SqlStaffStore(registry),
            totp,
            sessions.rules(),
            current.resumed,
            code,
            sessions.client_address(),
            clock.now(),
        )
    )
    if isinstance(outcome, Waiting):
        minutes = _wait_minutes(outcome.wait)
        waiting = _("Too many wrong tries. Wait %(minutes)d minutes.", minutes=minutes)
        return _second_factor_page(current, 429, waiting)
    if not outcome:
        return _second_factor_page(
            current, 200, _("This code is not right, or it was used already. Type the next one.")
        )
    if checking:
        return redirect(safe_next(request.form.get("next")) or url_for(STEP_PAGES[Step.DONE]), 303)
    return redirect(url_for("console_sign_in.second_factor", enrolled="1"), 303)
