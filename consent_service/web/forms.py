"""Public sign-up forms `/f/{form_id}`: the hosted page, submissions, CORS, the embed snippet.

No key and no token: anyone may post any address, so a submission only asks (every purpose
waits for the confirmation link, `services.forms`) and its answer never tells whether the
address was known. Three ways in, each protected its own way (decision 0016):

- our hosted page posts with the CSRF field and cookie, like every other page;
- the snippet pasted into a shop's page posts cross-site, without our cookie: it is accepted
  when its `Origin` (or, if the browser sent none, its `Referer`) is one of the form's
  allowed origins, otherwise it needs the CSRF field like any other post;
- JavaScript on an allowed origin posts JSON: CORS (preflight and answer) for those origins
  only; any other origin gets a 403 problem and no CORS header.
"""

from flask import Blueprint, Response, abort, g, jsonify, redirect, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.domain.errors import DomainError
from consent_service.domain.forms import HONEYPOT, SignupForm
from consent_service.domain.locales import LOCALES
from consent_service.faces import csrf
from consent_service.faces.bodies import json_body
from consent_service.faces.clock import now
from consent_service.faces.languages import fall_back_to, speak_as_subject
from consent_service.faces.problems import Problem, invalid_body
from consent_service.faces.signup_forms import embed_snippet, purpose_choices
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.openapi.operations import (
    JSON,
    documented,
    empty,
    error_page,
    page,
    problem,
    returns,
)
from consent_service.services import forms
from consent_service.services.forms import Submission
from consent_service.web.link_pages import confirm_links, evidence
from consent_service.web.pages import allow_form_action, render, settings
from plumbing.origins import normalize_origin, origin_of
from schemas.api.forms import FormSubmissionSchema, SubmissionAcceptedSchema

blueprint = Blueprint("forms", __name__)
_submission = FormSubmissionSchema()
PREFLIGHT_MAX_AGE = "600"
NO_FORM = error_page(404, "No such form.")
POSTED_FORM = {
    "type": "object",
    "description": "`email`, `locale`, one field per offered purpose (present: ticked), the "
    "CSRF field from the hosted page, and the honeypot `website` a person leaves empty",
    "additionalProperties": {"type": "string"},
}


def _signup_form() -> SignupForm | None:
    """The form the URL names, read once per request."""
    if "signup_form" not in g:
        form_id = (request.view_args or {}).get("form_id", "")
        with read_only() as registry:
            g.signup_form = _lookup(registry, form_id)
    return g.signup_form


def _lookup(registry: SqlRepository, form_id: str) -> SignupForm | None:
    try:
        return forms.form_named(registry, form_id)
    except DomainError:
        return None


def _known_form() -> SignupForm:
    form = _signup_form()
    if form is None:
        abort(404)
    fall_back_to(form.default_locale)
    return form


def _posted_from() -> str | None:
    """The origin a browser says the post came from: `Origin`, else the `Referer`'s."""
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return normalize_origin(origin)
    referer = request.headers.get("Referer")
    return origin_of(referer) if referer else None


def _csrf_exempt() -> bool:
    """JSON is judged by CORS in the view; an unknown form gets its 404 first; a post from an
    allowed origin (the embedded snippet) needs no cookie of ours."""
    if request.is_json:
        return True
    form = _signup_form()
    return form is None or form.allows_origin(_posted_from())


csrf.protect(blueprint, exempt_when=_csrf_exempt)


@blueprint.after_request
def _cors(response: Response) -> Response:
    """Let JavaScript on an allowed origin read the answer to its POST, errors included."""
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin:
        form = _signup_form() if request.view_args else None
        if form is not None and form.allows_origin(origin):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.vary.add("Origin")
    return response


def _page(
    form: SignupForm,
    status: int = 200,
    email: str = "",
    ticked: frozenset[str] = frozenset(),
    errors: dict[str, str] | None = None,
) -> Response:
    success = origin_of(form.success_url) if form.success_url else None
    if success:
        allow_form_action(success)
    return render(
        "web/signup.html",
        status,
        title=_("Sign up for our emails"),
        form_id=form.form_id,
        purposes=purpose_choices(form, set(ticked)),
        email=email,
        errors=errors or {},
        honeypot=HONEYPOT,
    )


@blueprint.get("/f/<form_id>", provide_automatic_options=False)
@documented(page(200, "The sign-up page"), NO_FORM)
def signup_page(form_id: str) -> Response:
    """The hosted sign-up page: the address, one unticked box per purpose. Changes nothing."""
    return _page(_known_form())


def _error_messages(error: DomainError) -> dict[str, str]:
    if error.field == "purposes":
        return {"purposes": _("Tick at least one box to sign up.")}
    return {"email": _("Enter a valid email address, like name@example.kg.")}


def _record(form: SignupForm, submission: Submission) -> None:
    current = settings()
    moment, sender = now(), confirm_links()
    keys = (current.secret_key, *current.previous_secret_keys)
    in_transaction(
        lambda registry: forms.submit(
            registry, form, submission, now=moment, links=sender, suppression_keys=keys
        )
    )


def _submit_html(form: SignupForm) -> Response | WerkzeugResponse:
    posted = request.form
    locale = posted.get("locale")
    speak_as_subject(locale if locale in LOCALES else None)
    submission = Submission(
        email=posted.get("email", ""),
        purposes=[purpose for purpose in form.purposes if purpose in posted],
        locale=locale,
        honeypot=posted.get(HONEYPOT, ""),
        evidence=evidence(),
    )
    try:
        _record(form, submission)
    except DomainError as error:
        ticked = frozenset(submission.purposes)
        return _page(form, 422, submission.email, ticked, _error_messages(error))
    if form.success_url:
        return redirect(form.success_url, 303)
    return render(
        "web/notice.html",
        title=_("Thank you! Please check your inbox"),
        lead=_(
            "To finish signing up, press the link in the email we send to this address. "
            "Until you do, nothing changes and we send you nothing else."
        ),
    )


def _submit_json(form: SignupForm) -> Response:
    if not form.allows_origin(request.headers.get("Origin")):
        raise _foreign_origin()
    body = json_body(_submission)
    not_offered = sorted(set(body["purposes"]) - set(form.purposes))
    if not_offered:
        raise invalid_body({"purposes": [f"Not offered by this form: {', '.join(not_offered)}."]})
    _record(
        form,
        Submission(
            email=body["email"],
            purposes=body["purposes"],
            locale=body.get("locale"),
            honeypot=body[HONEYPOT],
            evidence=evidence(),
        ),
    )
    response = jsonify({"status": "accepted"})
    response.status_code = 202
    return response


@blueprint.post("/f/<form_id>", provide_automatic_options=False)
@documented(
    page(200, "Urlencoded: the thank-you page (the same for every address)"),
    returns(202, SubmissionAcceptedSchema, "JSON: accepted (the same for every address)"),
    empty(303, "Urlencoded, to a form with a success URL: there", {"Location": "success_url"}),
    problem(400, "JSON: the body is not JSON, or nests too deep."),
    problem(403, "JSON from an origin the form does not allow."),
    NO_FORM,
    page(422, "Urlencoded: the page again, saying what to fix (the address, or no box ticked)."),
    problem(422, "JSON: the body is not valid, or names a purpose the form does not offer."),
    request_body={
        "application/x-www-form-urlencoded": POSTED_FORM,
        "multipart/form-data": POSTED_FORM,
        JSON: FormSubmissionSchema,
    },
)
def submit(form_id: str) -> Response | WerkzeugResponse:
    """A submission: urlencoded from an HTML form, or JSON from JavaScript on an allowed
    origin. The same answer for a new address, a known one, and a honeypot catch."""
    form = _known_form()
    return _submit_json(form) if request.is_json else _submit_html(form)


def _foreign_origin() -> Problem:
    return Problem(
        403,
        "Origin not allowed",
        "This form accepts JavaScript submissions only from the origins it names.",
        slug="origin-not-allowed",
    )


@blueprint.route("/f/<form_id>", methods=["OPTIONS"])
@documented(
    empty(
        204,
        "The origin may post JSON",
        {"Access-Control-Allow-Origin": "The origin", "Access-Control-Allow-Methods": "POST"},
    ),
    problem(403, "No such form, or an origin it does not allow."),
)
def preflight(form_id: str) -> Response:
    """CORS preflight (Fetch standard, section 3.2.2): yes only for the form's origins."""
    form = _signup_form()
    origin = request.headers.get("Origin")
    if form is None or not form.allows_origin(origin):
        raise _foreign_origin()
    response = Response(status=204)
    response.headers.update(
        {
            "Access-Control-Allow-Origin": str(origin),
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }
    )
    response.vary.add("Origin")
    return response


@blueprint.get("/f/<form_id>/embed")
@documented(page(200, "The snippet, in a `<pre>` to copy"), NO_FORM)
def embed_page(form_id: str) -> Response:
    """The HTML a shop pastes into its page, shown in a `<pre>` to copy; changes nothing.

    The snippet speaks the form's default language (the shop's visitors), the page around it
    the visitor's; it is a plain form that works without JavaScript.
    """
    form = _known_form()
    return render(
        "web/signup_embed.html",
        title=_("Put this sign-up form on your site"),
        snippet=embed_snippet(form, settings().public_base_url),
        snippet_lang=form.default_locale,
    )
