"""Which errors a person sees as a page, and what the page says.

A program gets every error as a problem document (problems.py). A person who followed a link,
or an operator in the console, gets a page in their language that says what happened and
what to do next. A face with pages names its blueprints and how it draws a page in its own
layout (`show_pages`); one face may also take the errors of addresses no blueprint serves. A
request that sent JSON gets a problem all the same: a sign-up form's JavaScript reads
problems, like the API's clients.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from flask import Blueprint, Flask, Response, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from consent_service.faces.problems import http_problem

ErrorPage = Callable[[int], Response]
"""The page for a status, drawn by the face the request came to."""

_PAGES = "faces.error_pages"


def error_texts(status: int) -> tuple[str, str]:
    """The title and the lead of the page for `status`."""
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


@dataclass
class _Pages:
    """The app's faces with pages: by blueprint, and the one for unclaimed addresses."""

    by_blueprint: dict[str, ErrorPage] = field(default_factory=dict)
    elsewhere: ErrorPage | None = None
    not_under: tuple[str, ...] = ()

    def for_request(self) -> ErrorPage | None:
        if request.blueprint is not None:
            return self.by_blueprint.get(request.blueprint)
        if self.elsewhere is not None and not request.path.startswith(self.not_under):
            return self.elsewhere
        return None


def show_pages(
    app: Flask,
    blueprints: Iterable[Blueprint],
    page: ErrorPage,
    *,
    elsewhere_but_under: tuple[str, ...] | None = None,
) -> None:
    """Answer the HTTP errors of `blueprints` with `page`; given `elsewhere_but_under`, also
    those of addresses no blueprint serves, except under these path prefixes."""
    pages = app.extensions.get(_PAGES)
    if pages is None:
        pages = app.extensions[_PAGES] = _Pages()
        app.register_error_handler(HTTPException, partial(_answer, pages))
    pages.by_blueprint.update({blueprint.name: page for blueprint in blueprints})
    if elsewhere_but_under is not None:
        pages.elsewhere, pages.not_under = page, elsewhere_but_under


def _answer(pages: _Pages, error: HTTPException) -> Response:
    page = pages.for_request()
    if page is None:
        return http_problem(error)
    response = http_problem(error) if request.is_json else page(error.code or 500)
    # what the status obliges: the methods a 405's address takes (RFC 9110 section 15.5.6),
    # when to come back after a 429
    for name in ("Allow", "Retry-After"):
        value = error.get_response().headers.get(name)
        if value:
            response.headers[name] = value
    return response
