"""Every answer an app gives in a test is one its OpenAPI document describes (decision 0027).

`recorded_answers()` listens to Flask's `request_finished` signal, so it sees each answer of
any app the test process runs: the rule that matched, the method, the status, the media type
and a JSON body. `undocumented()` says which of them the app's `/openapi.json` does not
describe: a status missing from the operation's responses, a media type missing from the
response, or a JSON body its schema refuses. Answers of every API route count (`API_PREFIXES`)
and of every other route whose path the document lists, so an undocumented route fails too.

tests/conftest.py runs this around every test: the API tests' normal flows and the
hostile-input property test (tests/e2e/test_no_server_error.py) between them make each route
give the answers it can give, and a route that starts answering something the document does
not say fails the tests that make it answer so.
"""

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jsonschema
from flask import Flask, Response, request, request_finished
from werkzeug.routing import Rule

from consent_service.api.openapi import document_of

API_PREFIXES = ("/v1/", "/healthz", "/readyz", "/metrics", "/openapi.json")
"""What is the API: its rules must all be in the document (SPEC section 4)."""
JSON_TYPES = ("application/json", "application/problem+json")
DOCUMENT_ENDPOINT = "openapi.openapi"
_VARIABLE = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


@dataclass(frozen=True)
class Answered:
    app: Flask
    path: str
    """The OpenAPI path: `{name}` for each variable, an `any(...)` variable's word as sent."""
    method: str
    status: int
    media_type: str
    body: Any = None
    """The JSON body, when there is one."""

    def __str__(self) -> str:
        return f"{self.method} {self.path} answered {self.status} {self.media_type}"


def openapi_paths(rule: Rule) -> list[str]:
    """The rule's paths as OpenAPI writes them: one per word of an `any(...)` variable."""
    words = [
        [word.strip() for word in arguments.split(",")] if converter == "any" else [None]
        for converter, arguments, _ in _VARIABLE.findall(rule.rule)
    ]
    return [_filled(rule.rule, iter(chosen)) for chosen in itertools.product(*words)]


def _filled(rule: str, words: Iterator[str | None]) -> str:
    return _VARIABLE.sub(lambda m: next(words) or "{" + m[3] + "}", rule)


def taken_methods(rule: Rule) -> set[str]:
    """The methods a rule's view answers, leaving out those Flask answers for it."""
    automatic = {"OPTIONS"} if getattr(rule, "provide_automatic_options", True) else set()
    return set(rule.methods or ()) - automatic - {"HEAD"}


@contextmanager
def recorded_answers() -> Iterator[list[Answered]]:
    answers: list[Answered] = []

    def record(app: Flask, response: Response, **_: Any) -> None:
        rule, method = request.url_rule, "GET" if request.method == "HEAD" else request.method
        if DOCUMENT_ENDPOINT not in app.view_functions:
            return  # a stand-in server of the tests, not the registry
        if rule is None or method not in taken_methods(rule):
            return  # no route matched, or Flask answered OPTIONS itself
        variables = {**(request.view_args or {})}
        path = _VARIABLE.sub(
            lambda m: str(variables[m[3]]) if m[1] == "any" else "{" + m[3] + "}", rule.rule
        )
        body = None
        if response.mimetype in JSON_TYPES and not response.is_streamed:
            body = response.get_json(silent=True)
        answers.append(Answered(app, path, method, response.status_code, response.mimetype, body))

    with request_finished.connected_to(record):
        yield answers


def undocumented(answers: list[Answered]) -> list[str]:
    """What the answers' documents do not describe, one line each, each thing once."""
    found: dict[str, None] = {}
    validators: dict[tuple[int, str], jsonschema.Draft202012Validator] = {}
    for answer in answers:
        document = document_of(answer.app)
        operation = document["paths"].get(answer.path, {}).get(answer.method.lower())
        if operation is None:
            if answer.path.startswith(API_PREFIXES) or answer.path in document["paths"]:
                found[f"{answer}: the document has no {answer.method} {answer.path}"] = None
            continue
        response = operation["responses"].get(str(answer.status))
        if response is None:
            found[f"{answer}: the operation does not list {answer.status}"] = None
            continue
        content = response.get("content", {})
        if content and answer.media_type not in content:
            found[f"{answer}: {answer.status} is documented as {sorted(content)} only"] = None
            continue
        schema = content.get(answer.media_type, {}).get("schema")
        if schema is not None and answer.body is not None:
            key = (id(document), repr(schema))
            if key not in validators:
                validators[key] = _validator(document, schema)
            error = jsonschema.exceptions.best_match(validators[key].iter_errors(answer.body))
            if error is not None:
                where = "/".join(map(str, error.absolute_path)) or "the top"
                found[f"{answer}: the body does not fit its schema: {error.message} at {where}"] = (
                    None
                )
    return list(found)


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A validator of the schema, whose `$ref`s point into the document's components."""
    return jsonschema.Draft202012Validator({**schema, "components": document["components"]})
