"""What a route says about itself in the OpenAPI document: the answers only its code gives.

A route is documented by `@documented(...)` beside its other decorators, listing the answers
its own code makes (`returns(201, SubjectSchema, ...)`, `problem(409, ...)`) and its request
body. Answers that every route of a kind gives are not listed there: `document.py` adds them
from what the route is (a key and its scope, a JSON body, a query string, a public page), so
that they cannot be forgotten. The summary and description are the view's docstring.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from marshmallow import Schema

from schemas.api.catalogue import ProblemSchema

F = TypeVar("F", bound=Callable[..., Any])
BodySchema = type[Schema] | Schema | dict[str, Any]
"""A marshmallow schema (class or instance), or a JSON Schema written out."""

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
HTML = "text/html"
HTML_PAGE: dict[str, Any] = {"type": "string", "description": "An HTML page for a person"}
OPERATION = "openapi_operation"


@dataclass(frozen=True)
class Answer:
    """One status a route answers: why, the body of each media type, and its headers."""

    status: int
    description: str
    content: Mapping[str, BodySchema | None] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    """Header name -> what it says."""


def returns(
    status: int,
    schema: BodySchema | None,
    description: str,
    media_type: str = JSON,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    return Answer(status, description, {media_type: schema}, headers or {})


def problem(status: int, description: str, headers: Mapping[str, str] | None = None) -> Answer:
    """An RFC 9457 problem document."""
    return Answer(status, description, {PROBLEM_JSON: ProblemSchema}, headers or {})


def page(status: int, description: str) -> Answer:
    """An HTML page, whatever the request was."""
    return Answer(status, description, {HTML: HTML_PAGE})


def error_page(status: int, description: str, headers: Mapping[str, str] | None = None) -> Answer:
    """An HTTP error on a public route: a page for a person, a problem for a JSON request
    (web/errors.py)."""
    content: dict[str, BodySchema | None] = {HTML: HTML_PAGE, PROBLEM_JSON: ProblemSchema}
    return Answer(status, description, content, headers or {})


def empty(status: int, description: str, headers: Mapping[str, str] | None = None) -> Answer:
    return Answer(status, description, {}, headers or {})


def header(name: str, description: str, *, required: bool = False, **schema: Any) -> dict[str, Any]:
    """A request header the route reads."""
    return {
        "name": name,
        "in": "header",
        "description": description,
        "required": required,
        "schema": schema,
    }


def query_parameter(name: str, description: str, **schema: Any) -> dict[str, Any]:
    """A query parameter the route reads by hand (one loaded by a schema is `query=`)."""
    return {"name": name, "in": "query", "description": description, "schema": schema}


@dataclass(frozen=True)
class Operation:
    answers: tuple[Answer, ...]
    body: BodySchema | None = None
    """A JSON body read by `json_body`: its 400, 413, 415 and 422 follow."""
    query: type[Schema] | None = None
    """A query string loaded by `query_args`: its 422 follows."""
    request_body: Mapping[str, BodySchema] | None = None
    """Any other body, media type -> schema, read by the route's own code; it lists the
    answers its reading gives."""
    parameters: tuple[dict[str, Any], ...] = ()


def documented(
    *answers: Answer,
    body: BodySchema | None = None,
    query: type[Schema] | None = None,
    request_body: Mapping[str, BodySchema] | None = None,
    parameters: tuple[dict[str, Any], ...] = (),
) -> Callable[[F], F]:
    """Put the route in the OpenAPI document with the answers its own code gives."""
    operation = Operation(answers, body, query, request_body, parameters)

    def mark(view: F) -> F:
        view.__dict__[OPERATION] = operation  # `functools.wraps` carries it to any wrapper
        return view

    return mark


def operation_of(view: Callable[..., Any] | None) -> Operation | None:
    return getattr(view, OPERATION, None)
