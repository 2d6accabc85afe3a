"""Error pages for people, not programs: localized HTML on the public routes.

The JSON API answers errors as problem documents (api/problems.py); a person who followed a
link gets a page in their language that says what happened and what to do next.
"""

from flask import Blueprint, Flask, Response, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from consent_service.api.problems import http_problem
from consent_service.web.pages import render

_API_PREFIXES = ("/v1/", "/healthz", "/readyz", "/metrics", "/openapi")


def _messages(status: int) -> tuple[str, str]:
    if status == 404:
        return _("Page not found"), _("There is no page at this address. Check the link.")
    if status == 403:
        return (
            _("This form has expired"),
            _("For your safety the form could not be accepted. Reload the page and try again."),
        )
    if status == 429:
        return (
            _("Too many requests"),
            _(
                "You have opened these pages too often in a short time. "
                "Wait a minute and try again."
            ),
        )
    if status == 405:
        return _("Not allowed"), _("This page cannot be used this way. Go back and try again.")
    if 400 <= status < 500:
        return _("Request not understood"), _("Go back and try again.")
    return _("Something went wrong"), _("Nothing was changed. Please try again later.")


def error_page(status: int) -> Response:
    title, lead = _messages(status)
    return render("web/notice.html", status, title=title, lead=lead)


def _page_for(error: HTTPException) -> Response:
    # a sign-up form's JavaScript posts JSON and reads problems, like the API's clients
    response = http_problem(error) if request.is_json else error_page(error.code or 500)
    # what the status obliges: the methods a 405's address takes (RFC 9110 section 15.5.6),
    # when to come back after a 429
    for name in ("Allow", "Retry-After"):
        value = error.get_response().headers.get(name)
        if value:
            response.headers[name] = value
    return response


def init(app: Flask, blueprints: list[Blueprint]) -> None:
    """Pages for the public blueprints and for unknown addresses outside the API."""
    names = {blueprint.name for blueprint in blueprints}

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        if request.blueprint in names:
            return _page_for(error)
        if request.blueprint is None and not request.path.startswith(_API_PREFIXES):
            return _page_for(error)
        return http_problem(error)
