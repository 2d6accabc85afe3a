"""Errors as RFC 9457 problem documents: how every face answers a program.

The JSON API answers every failure so; the public pages answer so a sign-up form's JavaScript
(web/forms.py); which errors a person sees as a page instead is in error_pages.py.
"""

import logging
from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from consent_service.domain.errors import Conflict, DomainError, SubjectNotFound

PROBLEM_BASE = "tag:consent-service,2026:problem/"
log = logging.getLogger(__name__)


class Problem(Exception):
    """An error answered as application/problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        slug: str | None = None,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.slug, self.errors, self.headers = slug, errors, headers or {}

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug if self.slug else "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    def response(self) -> Response:
        response = Response(
            json.dumps(_plain(self.document())),
            status=self.status,
            mimetype="application/problem+json",
        )
        response.headers.update(self.headers)
        return response


def _plain(value: Any) -> Any:
    """The document as plain JSON: string keys everywhere, text that encodes as UTF-8.

    Errors echo what the request sent (an unknown field's name, a dict key), and marshmallow
    names the items of a list by integer index (`{0: [...]}`) next to our validators' string
    ones (`{"1": [...]}`): mixed key types cannot even be sorted into JSON. So every key
    becomes a string, equal keys are merged, and a lone surrogate is written as its escape.
    """
    if isinstance(value, dict):
        plain: dict[str, Any] = {}
        for key, inner in value.items():
            name, inner = _plain_text(str(key)), _plain(inner)
            plain[name] = _merged(plain[name], inner) if name in plain else inner
        return plain
    if isinstance(value, list | tuple):
        return [_plain(inner) for inner in value]
    return _plain_text(value) if isinstance(value, str) else value


def _plain_text(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _merged(first: Any, second: Any) -> Any:
    """Two plain error entries under one key: messages are lists, nested fields dicts, and
    messages about a nested item itself go under `_schema`, as marshmallow puts them."""
    if isinstance(first, dict) and isinstance(second, dict):
        merged = dict(first)
        for key, inner in second.items():
            merged[key] = _merged(merged[key], inner) if key in merged else inner
        return merged
    if isinstance(first, list) and isinstance(second, list):
        return first + second
    fields, messages = (first, second) if isinstance(first, dict) else (second, first)
    return _merged(fields, {"_schema": messages if isinstance(messages, list) else [messages]})


def invalid_body(errors: dict[str, Any], detail: str = "The request body is not valid.") -> Problem:
    return Problem(422, "Invalid request body", detail, slug="invalid-body", errors=errors)


def from_domain(error: DomainError) -> Problem:
    """Map a refused rule to its status: unknown things are 404 or 422, clashes 409."""
    if isinstance(error, SubjectNotFound):
        return Problem(404, "Subject not found", error.message, slug="subject-not-found")
    if isinstance(error, Conflict):
        return Problem(409, "Conflict", error.message, slug="conflict")
    return invalid_body({error.field or "_schema": [error.message]}, error.message)


def http_problem(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return Problem(status, error.name, error.description or error.name, headers=headers).response()


def register(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(error: Problem) -> Response:
        return error.response()

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return from_domain(error).response()

    app.register_error_handler(HTTPException, http_problem)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error", extra={"event": "unhandled_error"})
        return Problem(
            500, "Internal Server Error", "Something went wrong; nothing was changed."
        ).response()
