"""The OpenAPI 3.1 document of an app, built from its URL map and its routes' declarations.

Every rule whose view is `@documented` becomes an operation per method it accepts. To what the
route declares, the answers every route of its kind gives are added here, from what the
route is rather than from what someone remembered to write:

- any route: 500, the catch-all answer to a fault of ours (api/problems.py);
- a route behind `require` (api/http.py): 401, and 403 when it needs a scope;
- a JSON body read by `json_body`: 400, 413, 415 and 422; a query string read by
  `query_args`: 422;
- a route of the public pages (`web.public_blueprints`): 429 past `PUBLIC_RATE_LIMIT`, and
  for a POST the CSRF check's 403 and the body limit's 413.
"""

import inspect
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import Rule

from consent_service.openapi.operations import (
    JSON,
    Answer,
    Operation,
    error_page,
    operation_of,
    problem,
)
from consent_service.web import public_blueprints

KEY_SCHEME = "apiKey"
UUID_VARIABLES = frozenset({"subject_id", "campaign_id", "transfer_id"})
_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<arguments>[^)]*)\))?:)?(?P<name>\w+)>")
_NO_KEY = object()


def build_document(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="Consent service",
        version="1",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": "Purpose-level consent registry and its mailer (SPEC.md)."},
    )
    spec.components.security_scheme(
        KEY_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`consent keys create`); an operation lists the scope "
            "it needs.",
        },
    )
    public = {blueprint.name for blueprint in public_blueprints()}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        view = app.view_functions.get(rule.endpoint)
        declared = operation_of(view)
        if view is None or declared is None:
            continue
        on_public_page = rule.endpoint.rpartition(".")[0] in public
        for path, chosen in paths_of(rule):
            operations = {
                method.lower(): _operation(view, declared, rule, chosen, method, on_public_page)
                for method in documented_methods(rule)
            }
            spec.path(path=path, operations=operations)
    return spec.to_dict()


def documented_methods(rule: Rule) -> list[str]:
    """The methods a rule takes, but HEAD (GET's) and an OPTIONS Flask answers by itself."""
    automatic = {"HEAD", "OPTIONS"} if getattr(rule, "provide_automatic_options", True) else set()
    return sorted((rule.methods or set()) - automatic - {"HEAD"})


def paths_of(rule: Rule) -> list[tuple[str, dict[str, str]]]:
    """The rule's OpenAPI paths, each with the `any(...)` choices it fixes: `<id>` becomes
    `{id}`; a variable that can only be one of a few words becomes one path per word."""
    choices = {
        match["name"]: [word.strip() for word in match["arguments"].split(",")]
        for match in _VARIABLE.finditer(rule.rule)
        if match["converter"] == "any"
    }
    paths = []
    for words in itertools.product(*choices.values()):
        chosen = dict(zip(choices, words, strict=True))
        paths.append((path_of(rule, chosen), chosen))
    return paths


def path_of(rule: Rule, values: dict[str, str]) -> str:
    """The rule's path with the given variables filled in and the others as `{name}`."""
    return _VARIABLE.sub(lambda m: values.get(m["name"], "{" + m["name"] + "}"), rule.rule)


def _operation(
    view: Callable[..., Any],
    declared: Operation,
    rule: Rule,
    chosen: dict[str, str],
    method: str,
    on_public_page: bool,
) -> dict[str, Any]:
    summary, description = _words(view)
    scope = getattr(view, "required_scope", _NO_KEY)
    operation: dict[str, Any] = {
        "operationId": ".".join([rule.endpoint, *chosen.values()]),
        "summary": summary,
        "description": description,
        "responses": _responses(_all_answers(declared, scope, method, on_public_page)),
    }
    parameters = [*_path_parameters(rule, chosen), *declared.parameters]
    if declared.query is not None:
        parameters.append({"in": "query", "schema": declared.query})
    if parameters:
        operation["parameters"] = parameters
    if scope is not _NO_KEY:
        operation["security"] = [{KEY_SCHEME: [scope] if scope else []}]
    if declared.body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": declared.body}}}
    elif declared.request_body is not None:
        content = {kind: {"schema": schema} for kind, schema in declared.request_body.items()}
        operation["requestBody"] = {"required": True, "content": content}
    return operation


def _all_answers(
    declared: Operation, scope: object, method: str, on_public_page: bool
) -> Iterator[Answer]:
    yield from declared.answers
    yield problem(500, "A fault of ours; nothing was changed.")
    if scope is not _NO_KEY:
        yield problem(
            401,
            "No API key, or an unknown or revoked one.",
            headers={"WWW-Authenticate": "`Bearer`"},
        )
        if scope:
            yield problem(403, f"The key lacks the `{scope}` scope.")
    if declared.body is not None:
        yield problem(400, "The body is not JSON, or nests more than 32 arrays or objects.")
        yield problem(413, "The body is over `CONSENT_MAX_BODY_BYTES`.")
        yield problem(415, "The body is not `application/json`.")
        yield problem(
            422,
            "The body is not valid (`errors` names each field), or an object names a key twice.",
        )
    if declared.query is not None:
        yield problem(422, "The query string is not valid (`errors` names each parameter).")
    if on_public_page:
        yield error_page(
            429,
            "Too many requests from this client (`PUBLIC_RATE_LIMIT`).",
            headers={"Retry-After": "Seconds until the client may come back."},
        )
        if method == "POST":
            yield error_page(403, "The form's CSRF check failed.")
            yield error_page(413, "The body is over `CONSENT_MAX_BODY_BYTES`.")


def _responses(answers: Iterator[Answer]) -> dict[str, Any]:
    """One response per status: the answers of one status merged, the route's first."""
    merged: dict[int, Answer] = {}
    for answer in answers:
        known = merged.get(answer.status)
        merged[answer.status] = answer if known is None else _merge(known, answer)
    return {str(status): _response(merged[status]) for status in sorted(merged)}


def _merge(first: Answer, second: Answer) -> Answer:
    description = first.description
    if second.description not in description:
        description = f"{description.rstrip('.')}. {second.description}"
    return replace(
        first,
        description=description,
        content={**second.content, **first.content},
        headers={**second.headers, **first.headers},
    )


def _response(answer: Answer) -> dict[str, Any]:
    response: dict[str, Any] = {"description": answer.description}
    if answer.content:
        response["content"] = {
            kind: {} if schema is None else {"schema": schema}
            for kind, schema in answer.content.items()
        }
    if answer.headers:
        response["headers"] = {
            name: {"description": said, "schema": {"type": "string"}}
            for name, said in answer.headers.items()
        }
    return response


def _path_parameters(rule: Rule, chosen: dict[str, str]) -> list[dict[str, Any]]:
    parameters = []
    for match in _VARIABLE.finditer(rule.rule):
        name = match["name"]
        if name in chosen:
            continue
        schema = {"type": "string"}
        if name in UUID_VARIABLES:
            schema["format"] = "uuid"
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _words(view: Callable[..., Any]) -> tuple[str, str]:
    """The docstring: its first sentence is the summary, the whole of it the description."""
    paragraphs = [
        " ".join(paragraph.split()) for paragraph in (inspect.getdoc(view) or "").split("\n\n")
    ]
    first = paragraphs[0]
    summary = re.split(r"(?<=[.;])\s", first, maxsplit=1)[0].rstrip(".;")
    return summary, "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
