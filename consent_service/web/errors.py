"""Error pages for people, not programs: localized HTML on the public routes.

The JSON API answers errors as problem documents (faces/problems.py); a person who followed a
link gets a page in their language that says what happened and what to do next
(faces/error_pages.py), in the layout of every public page.
"""

from flask import Blueprint, Flask, Response

from consent_service.faces.error_pages import error_texts, show_pages
from consent_service.web.pages import render

_API_PREFIXES = ("/v1/", "/healthz", "/readyz", "/metrics", "/openapi")


def error_page(status: int) -> Response:
    title, lead = error_texts(status)
    return render("web/notice.html", status, title=title, lead=lead)


def init(app: Flask, blueprints: list[Blueprint]) -> None:
    """Pages for the public blueprints and for unknown addresses outside the API."""
    show_pages(app, blueprints, error_page, elsewhere_but_under=_API_PREFIXES)
