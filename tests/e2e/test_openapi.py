"""The OpenAPI document is made from the routes and says everything they answer (0027).

Completeness is proved three ways: every rule of the API (and of every other path the
document lists) is in it with every method it takes; every answer the registry gives in any
test is one it describes (tests/conftest.py runs tests/documented_answers.py around every
test; here it is shown to catch what it should); and the document is valid OpenAPI 3.1 that
the README's own requests fit.
"""

import json
import re
import shlex
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from openapi_spec_validator import validate

from consent_service.app import create_app
from consent_service.config import Settings
from tests.documented_answers import (
    API_PREFIXES,
    openapi_paths,
    recorded_answers,
    taken_methods,
    undocumented,
)
from tests.factories import consent_body
from tests.processes import ROOT


@pytest.fixture
def document(client) -> dict[str, Any]:
    return client.get("/openapi.json").get_json()


def test_every_api_route_is_in_the_document_with_every_method_it_takes(app, document) -> None:
    wanted = {
        (path, method)
        for rule in app.url_map.iter_rules()
        for path in openapi_paths(rule)
        if path.startswith(API_PREFIXES) or path in document["paths"]
        for method in taken_methods(rule)
    }
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert len({path for path, _ in wanted if path.startswith("/v1/")}) > 25
    assert wanted - documented == set()
    assert documented - wanted == set(), "documented but not routed"


def test_every_operation_says_what_it_does_and_whether_it_needs_a_key(document) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation["summary"].strip(), where
            assert "500" in operation["responses"], where
            keyed = "security" in operation
            assert keyed == ("401" in operation["responses"]), where
            if keyed and operation["security"][0]["apiKey"]:
                assert "403" in operation["responses"], where


def test_the_answers_the_old_document_left_out_are_in_it(document) -> None:
    paths = document["paths"]
    consents = paths["/v1/consents"]["post"]["responses"]
    assert {"200", "201", "409"} <= set(consents)
    assert {"403", "429"} <= set(paths["/f/{form_id}"]["post"]["responses"])
    assert "options" in paths["/f/{form_id}"]
    versions = paths["/v1/sync/versions"]["post"]["responses"]["200"]
    assert versions["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Versions"
    }
    created = document["components"]["schemas"]["CampaignCreated"]
    assert "warnings" in created["properties"]
    assert paths["/v1/keys"]["get"]["security"] == [{"apiKey": ["admin"]}]


def test_the_check_catches_a_status_a_media_type_or_a_body_the_document_does_not_describe(
    client, writer
) -> None:
    with recorded_answers() as answers:
        created = client.post("/v1/consents", json=consent_body(), headers=writer)
    assert created.status_code == 201
    [answer] = answers
    assert undocumented(answers) == []

    teapot = replace(answer, status=418)
    as_page = replace(answer, media_type="text/html")
    wrong_body = replace(answer, body={**answer.body, "subject_id": 17})
    unrouted = replace(answer, path="/v1/teapots")
    found = undocumented([teapot, as_page, wrong_body, unrouted])

    assert len(found) == 4, found
    assert "does not list 418" in found[0]
    assert "documented as ['application/json'] only" in found[1]
    assert "17 is not of type 'string' at subject_id" in found[2]
    assert "the document has no POST /v1/teapots" in found[3]


def test_the_document_is_valid_openapi_3_1(document) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"


def _readme_requests() -> list[tuple[str, str, Any]]:
    """(method, path, JSON body or None) of each curl command in the README's "Try it"."""
    section = (ROOT / "README.md").read_text().split("\n## Try it\n", 1)[1].split("\n## ", 1)[0]
    commands, pending = [], ""
    for block in re.findall(r"^```sh\n(.*?)^```", section, re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            pending += line + "\n"
            try:
                words = shlex.split(pending, comments=True)
            except ValueError:  # a quoted body goes on over the next lines
                continue
            pending = ""
            starts = [i for i, word in enumerate(words) if word.endswith("curl")]
            commands.extend(_curl(words[start + 1 :]) for start in starts)
    return commands


def _curl(words: list[str]) -> tuple[str, str, Any]:
    method, url, body = None, "", None
    for word, following in zip(words, [*words[1:], ""], strict=True):
        if word in {"|", ")"}:
            break
        if word == "-X":
            method = following
        elif word == "-d":
            body = json.loads(following)
        elif word.startswith("http"):
            url = word
    return method or ("POST" if body is not None else "GET"), urlsplit(url).path, body


def test_the_readmes_requests_are_operations_of_the_document_and_their_bodies_fit(
    document,
) -> None:
    requests = _readme_requests()
    assert len(requests) >= 10
    assert sum(body is not None for _, _, body in requests) >= 4
    for method, path, body in requests:
        [template] = [
            template
            for template in document["paths"]
            if re.fullmatch(re.sub(r"\\\{\w+\\\}", r"[^/]+", re.escape(template)), path)
        ]
        operation = document["paths"][template][method.lower()]
        if body is not None:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            jsonschema.validate(
                body,
                {**schema, "components": document["components"]},
                cls=jsonschema.Draft202012Validator,
            )


def test_readiness_without_a_database_is_the_documented_503(environ, tmp_path) -> None:
    """An answer no other test causes, its body checked against its schema like any other."""
    missing = tmp_path / "no such directory" / "consent.db"
    app = create_app(Settings.from_env(environ | {"CONSENT_DATABASE_URL": f"sqlite:///{missing}"}))
    with recorded_answers() as answers:
        answer = app.test_client().get("/readyz")
    app.extensions["consent.engine"].dispose()
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "unavailable"
    assert undocumented(answers) == []
