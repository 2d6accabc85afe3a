"""Who may open which console page: every view declares it, and one check runs before each.

A view is declared with `@allow(...)`: `PUBLIC` (the sign-in page, single sign-on, nothing
else), `SIGN_IN_STEP` (the pages of a pending step: a new password, an authenticator code),
`SIGNED_IN` (any person whose sign-in is complete) or `needs(scope)`. `register` refuses to
start an app with a console view that declares nothing, so no page can be left open by
forgetting. Before each request the session the cookie names is resumed (services/
staff_sign_in.py) and the request acts as its person (`faces.actor`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.domain.locales import LOCALES
from consent_service.domain.staff.accounts import StaffAccount
from consent_service.domain.staff.sessions import SessionState
from consent_service.domain.staff.sign_in import Step
from consent_service.faces import clock
from consent_service.faces.actor import act_as
from consent_service.faces.languages import speak_as_subject
from consent_service.faces.transactions import in_transaction
from consent_service.services import staff_sign_in
from consent_service.services.staff_sign_in import Ended, Resumed

F = TypeVar("F", bound=Callable[..., Any])
_VISIT = "console_visit"
_ACCESS = "console_access"


@dataclass(frozen=True)
class Access:
    session: bool
    """A signed-in session is needed."""
    during_sign_in: bool
    """The page opens while a sign-in step is still pending (it is that step's page)."""
    scope: str | None = None


PUBLIC = Access(session=False, during_sign_in=True)
SIGN_IN_STEP = Access(session=True, during_sign_in=True)
SIGNED_IN = Access(session=True, during_sign_in=False)


def needs(scope: str) -> Access:
    return Access(session=True, during_sign_in=False, scope=scope)


def allow(access: Access) -> Callable[[F], F]:
    def declare(view: F) -> F:
        setattr(view, _ACCESS, access)
        return view

    return declare


def access_of(view: Callable[..., Any] | None) -> Access | None:
    return getattr(view, _ACCESS, None)


@dataclass(frozen=True)
class Visit:
    """The signed-in person of this request: the actor every change is recorded under."""

    session_id: str
    resumed: Resumed

    @property
    def account(self) -> StaffAccount:
        return self.resumed.account

    @property
    def step(self) -> Step:
        return self.resumed.step

    @property
    def scopes(self) -> frozenset[str]:
        return self.account.scopes

    @property
    def name(self) -> str:
        return self.account.actor

    def may(self, scope: str) -> bool:
        return scope in self.scopes


def visit() -> Visit | None:
    return g.get(_VISIT)


def signed_in() -> Visit:
    """The person of a request their page's access required a session for."""
    found = visit()
    if found is None:
        raise RuntimeError("This console view was declared PUBLIC but needs a person.")
    return found


STEP_PAGES = {
    Step.CHECK_SECOND_FACTOR: "console_sign_in.second_factor",
    Step.ENROL_SECOND_FACTOR: "console_sign_in.second_factor",
    Step.CHANGE_PASSWORD: "console_sign_in.password",
    Step.DONE: "console_home.dashboard",
}


def _resume(session_id: str | None) -> Resumed | Ended:
    chosen = request.args.get("lang")

    def work(registry: Any) -> Resumed | Ended:
        store = SqlStaffStore(registry)
        found = staff_sign_in.resume(store, sessions.rules(), session_id, clock.now())
        if isinstance(found, Resumed) and chosen in LOCALES:
            account = staff_sign_in.set_language(store, found.account, chosen)
            found = Resumed(found.session, account, found.step)
        return found

    return in_transaction(work)


def _to_sign_in(ended: SessionState | None) -> WerkzeugResponse:
    query = {"next": request.full_path.rstrip("?")} if request.method == "GET" else {}
    if ended is not None:
        query["ended"] = str(ended)
    target = url_for("console_sign_in.login")
    response = redirect(f"{target}?{urlencode(query)}" if query else target, 303)
    return sessions.clear_cookie(response)


def admit(refuse: Callable[[], Response]) -> Response | WerkzeugResponse | None:
    """Before every console page: resume the session, then let the request through, send it to
    sign in or to its pending step, or `refuse` it for a missing scope."""
    access = access_of(current_app.view_functions.get(request.endpoint or ""))
    if access is None:
        raise RuntimeError(f"Console view {request.endpoint} declares no access.")
    found = _resume(sessions.cookie_value())
    if isinstance(found, Resumed):
        resumed = Visit(sessions.cookie_value() or "", found)
        setattr(g, _VISIT, resumed)
        act_as(resumed)
        speak_as_subject(found.account.language)
    if not access.session:
        return None
    current = visit()
    if current is None:
        return _to_sign_in(found.state if isinstance(found, Ended) else None)
    if current.step is not Step.DONE and not access.during_sign_in:
        return redirect(url_for(STEP_PAGES[current.step]), 303)
    if access.scope is not None and not current.may(access.scope):
        return refuse()
    return None


def guard(blueprint: Blueprint, refuse: Callable[[], Response]) -> None:
    """Check every request to the blueprint's views; `refuse` draws the page for a missing
    scope."""
    blueprint.before_request(lambda: admit(refuse))


def check_declared(app: Flask, blueprints: list[Blueprint]) -> None:
    """Refuse to start with a console view that does not say who may open it."""
    names = {blueprint.name for blueprint in blueprints}
    for endpoint, view in app.view_functions.items():
        if endpoint.partition(".")[0] in names and access_of(view) is None:
            raise RuntimeError(f"Console view {endpoint} declares no access (console/access.py).")
