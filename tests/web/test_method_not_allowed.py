"""Every 405, on a public page or the API, says in `Allow` which methods the address takes
(RFC 9110 section 15.5.6)."""

import re
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask

from consent_service.app import create_app
from consent_service.config import Settings

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ARGUMENT = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?\w+>")


def sample_path(rule: str) -> str:
    """The rule with each variable part filled in with a value its converter accepts."""

    def value(match: re.Match[str]) -> str:
        converter, arguments = match[1], match[2]
        if converter == "any":
            return arguments.split(",")[0].strip(" '\"")
        if converter in ("int", "float"):
            return "1"
        return str(uuid.uuid4())

    return ARGUMENT.sub(value, rule)


def routes(app) -> list[tuple[str, str]]:
    """Each route of the URL map with a path that reaches it."""
    return sorted({(rule.rule, sample_path(rule.rule)) for rule in app.url_map.iter_rules()})


@pytest.fixture
def unlimited(environ) -> Iterator[Flask]:
    """The app with the public rate limit off: this test visits every route several times."""
    app = create_app(Settings.from_env(environ | {"PUBLIC_RATE_LIMIT": "0"}))
    yield app
    app.extensions["consent.engine"].dispose()


def test_every_405_names_the_methods_the_route_takes(unlimited) -> None:
    client = unlimited.test_client()
    adapter = unlimited.url_map.bind("localhost")
    checked = 0
    for rule, path in routes(unlimited):
        allowed = adapter.allowed_methods(path)
        for method in sorted(set(METHODS) - set(allowed)):
            answer = client.open(path, method=method)
            assert answer.status_code == 405, (rule, method, answer.status_code)
            assert "Allow" in answer.headers, (rule, method, answer.content_type)
            offered = {m.strip() for m in answer.headers["Allow"].split(",")}
            assert offered == set(allowed), (rule, method)
            checked += 1
    assert checked > len(routes(unlimited))  # most routes refuse several methods


@pytest.mark.parametrize(("path", "html"), [("/policy", True), ("/v1/purposes", False)])
def test_a_405_keeps_its_form_a_page_for_people_a_problem_for_programs(
    unlimited, path: str, html: bool
) -> None:
    answer = unlimited.test_client().delete(path)
    assert answer.status_code == 405
    expected = "text/html" if html else "application/problem+json"
    assert answer.mimetype == expected
