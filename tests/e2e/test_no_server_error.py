"""No input reaches the catch-all error handler: a 5xx is a fault of ours, never an answer.

Every route of the Flask URL map, the API with a key holding every scope and the public pages
with no key, gets hypothesis-made requests: path segments, query strings and bodies drawn
from valid ones with a part replaced, a key repeated, or something else entirely (odd
methods and content types, huge numbers, deep nesting, NUL and lone surrogates, invalid
UTF-8). None may answer 5xx, on SQLite and on PostgreSQL. A route added later is fuzzed too:
the routes come from the URL map, not from a list.
"""

import hashlib
import hmac
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.transfer_client import SystemResolver
from consent_service.faces import csrf
from consent_service.faces.exports import MAILER_PART
from consent_service.services import api_keys
from consent_service.services.transfers import register_recipient
from plumbing.tokens import LinkSigner
from tests.campaigns.factories import campaign_body
from tests.factories import consent_body, form_definition
from tests.hostile_input import (
    Pairs,
    any_text,
    deeply_nested,
    encode,
    hostile_text,
    json_values,
    query_string,
    unstorable_text,
    url_quote,
)

SECRET = "test-secret"
EXAMPLES_PER_ROUTE = 30
"""Some 1700 requests per database, about 15 s each on SQLite and PostgreSQL."""
ODD_METHODS = ("PROPFIND", "TRACE", "PATCH", "DELETE", "PUT", "POST", "GET", "HEAD", "OPTIONS")
JSON_TYPES = ("application/json", "application/problem+json", "application/json; charset=utf-16")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x")
ODD_TYPES = ("text/plain", "")
QUERY_NAMES = ("email", "status", "format", "lang", "saved", "token", "endpoint", "_method")
FORM_NAMES = (
    csrf.FIELD,
    "purpose",
    "shown",
    "locale",
    "email",
    "website",
    "List-Unsubscribe",
    "confirm",
)
COOKIE = "c" * 43
"""A CSRF cookie of the right shape, sent with every request, so that posted forms can get
past the CSRF check when they carry the matching field."""


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    # no rate limit: the fuzzer is one client sending hundreds of requests a minute
    return environ | {"PUBLIC_RATE_LIMIT": "0", "CONSENT_DOUBLE_OPT_IN": ""}


@dataclass(frozen=True)
class Seeds:
    """Things that exist, so that drawn requests also reach past the 404s."""

    key: str
    path_values: dict[str, list[str]]
    bodies: dict[str, Any]
    csrf_field: str


@pytest.fixture
def seeds(app: Flask, client: FlaskClient, make_key: Callable[..., str]) -> Seeds:
    key = make_key(*api_keys.SCOPES)
    auth = {"Authorization": f"Bearer {key}"}
    app.extensions[MAILER_PART] = SimpleNamespace(emails_of=lambda _subject_id: [])
    subject = client.post("/v1/consents", json=consent_body(), headers=auth).get_json()
    subject_id = uuid.UUID(subject["subject_id"])
    campaign = client.post("/v1/campaigns", json=campaign_body(), headers=auth).get_json()
    assert client.post("/v1/forms", json=form_definition(), headers=auth).status_code == 201
    with app.extensions["consent.sessions"]() as session, session.begin():
        register_recipient(
            SqlRepository(session),
            "archive",
            "http://127.0.0.1:9/in",
            production=False,
            now=datetime.now(UTC),
            resolver=SystemResolver(),
        )
    transfer = client.post(
        f"/v1/subjects/{subject_id}/transfers", json={"recipient": "archive"}, headers=auth
    ).get_json()
    signer = LinkSigner(SECRET)
    client.set_cookie(csrf.COOKIE, COOKIE)
    mac = hmac.new(SECRET.encode(), b"csrf\n" + COOKIE.encode(), hashlib.sha256).hexdigest()
    return Seeds(
        key=key,
        path_values={
            "subject_id": [str(subject_id)],
            "campaign_id": [campaign["id"]],
            "transfer_id": [transfer["transfer_id"]],
            "form_id": ["newsletter"],
            "purpose": ["newsletters", "personalization"],
            "version": ["2026-11-01"],
            "name": ["0a", "ff"],
            "filename": ["site.css"],
            "token": [
                signer.confirm_token(subject_id),
                signer.unsubscribe_token(subject_id, "newsletters"),
                signer.preferences_token(subject_id),
            ],
        },
        bodies={
            "consents.post_consents": consent_body(
                evidence={"ip": "10.0.0.1", "user_agent": "x"}, policy_version="2026-11-01"
            ),
            "consents.put_consent": {"status": "withdrawn", "source": "admin"},
            "subjects.patch_one": {"name": "Aigul", "external_id": "c-1", "locale": "ru"},
            "catalogue.policy_publish": {
                "version": "2027-01-01",
                "effective_at": "2027-01-01T00:00:00+06:00",
                "documents": {"ky": "Текст", "ru": "Текст"},
            },
            "campaigns.create": campaign_body(schedule={"at": "2030-01-01T09:00:00+06:00"}),
            "campaigns.update": {
                "name": "Renamed",
                "content": {"en": None},
                "schedule": {"at": "2030-01-01T09:00:00+06:00"},
            },
            "campaigns.send_test": {"to": ["a@example.kg"], "locale": "ky"},
            "forms_api.create_form": form_definition("spring"),
            "forms.submit": {"email": "a@example.kg", "purposes": ["newsletters"]},
            "exports.post_transfer": {"recipient": "archive"},
            "sync.versions": {"subject_ids": [str(subject_id)], "purpose": "newsletters"},
            "sync.subjects": {"subject_ids": [str(subject_id)]},
            "webhooks.sendgrid": [{"event": "bounce", "email": "a@example.kg", "sg_event_id": "1"}],
        },
        csrf_field=mac,
    )


def _routes(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


_VARIABLE = re.compile(r"<(?:([a-z]+)(?:\(([^)]*)\))?:)?([a-z_]+)>")


@st.composite
def _path(draw: st.DrawFn, rule: Rule, seeds: Seeds) -> str:
    """The rule's path with each variable a known value, a converter's choice, or anything."""

    def segment(match: re.Match[str]) -> str:
        converter, arguments, name = match.groups()
        known = list(seeds.path_values.get(name, []))
        if converter == "any":
            known += [choice.strip() for choice in arguments.split(",")]
        drawn = draw(st.one_of(st.sampled_from(known), hostile_text) if known else hostile_text)
        return url_quote(drawn) or "x"

    return _VARIABLE.sub(segment, rule.rule)


@st.composite
def _mutation(draw: st.DrawFn, value: Any) -> Any:
    """The value with one part, at any depth, replaced or given a repeated key."""
    if isinstance(value, dict):
        value = Pairs(value.items())
    descend = isinstance(value, list) and value and draw(st.booleans())
    if descend:
        index = draw(st.integers(0, len(value) - 1))
        changed = type(value)(value)
        if isinstance(value, Pairs):
            key, inner = value[index]
            changed[index] = (key, draw(_mutation(inner)))
            if draw(st.booleans()):
                changed.append((key, draw(json_values)))
        else:
            changed[index] = draw(_mutation(value[index]))
        return changed
    return draw(st.one_of(json_values, unstorable_text(), hostile_text))


@st.composite
def _json_body(draw: st.DrawFn, valid: Any) -> bytes:
    kind = draw(st.sampled_from(("valid", "mutated", "mutated", "random", "deep", "bytes")))
    if kind == "deep":
        return deeply_nested(draw(st.integers(30, 20_000))).encode()
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "random":
        value = draw(json_values)
    else:
        value = valid if kind == "valid" else draw(_mutation(valid))
    return encode(value).encode("utf-8", "surrogatepass")


@st.composite
def _form_body(draw: st.DrawFn, seeds: Seeds) -> bytes:
    """Urlencoded fields of the public forms, the CSRF field right or not."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(FORM_NAMES), hostile_text), max_size=5))
    token = draw(st.one_of(st.none(), st.just(seeds.csrf_field), hostile_text, any_text))
    if token is not None:
        pairs.insert(0, (csrf.FIELD, token))
    if draw(st.booleans()):
        pairs.append(("List-Unsubscribe", "One-Click"))
    return query_string(pairs).encode()


_header_text = hostile_text.map(
    # what an HTTP header can carry: Latin-1, no line break
    lambda text: re.sub(r"[\r\n]", "", text.encode("latin-1", "replace").decode("latin-1"))
)

_hostile_keys = st.one_of(_header_text, st.builds("ck_{}_{}".format, _header_text, _header_text))
"""Anything, or the shape of a key (`ck_<id>_<secret>`) with anything in its parts."""


@dataclass(frozen=True)
class Drawn:
    method: str
    url: str
    body: bytes
    headers: dict[str, str]


@st.composite
def requests_for(draw: st.DrawFn, rule: Rule, seeds: Seeds) -> Drawn:
    path = draw(_path(rule, seeds))
    own = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}) or ["OPTIONS"]
    method = draw(st.sampled_from(own if draw(st.integers(0, 3)) else ODD_METHODS))
    names = st.one_of(st.sampled_from(QUERY_NAMES), hostile_text)
    query = draw(st.lists(st.tuples(names, hostile_text), max_size=3))
    if draw(st.booleans()):
        body = draw(_json_body(seeds.bodies.get(rule.endpoint, {})))
        content_type = draw(st.sampled_from(JSON_TYPES + ODD_TYPES))
    else:
        body = draw(_form_body(seeds))
        content_type = draw(st.sampled_from(FORM_TYPES + ODD_TYPES))
    headers = {"Content-Type": content_type}
    if path.startswith("/v1/"):
        key = seeds.key if draw(st.integers(0, 3)) else draw(_hostile_keys)
        headers["Authorization"] = f"Bearer {key}"
    if rule.endpoint.startswith("forms.") and draw(st.booleans()):
        headers["Origin"] = draw(st.sampled_from(["https://shop.example.kg", "null", "x"]))
    if draw(st.integers(0, 9)) == 0:
        headers["Idempotency-Key"] = draw(_header_text)
    if draw(st.integers(0, 4)) == 0:  # Global Privacy Control: only exactly "1" counts (0039)
        headers["Sec-GPC"] = draw(st.one_of(st.just("1"), _header_text))
    url = f"{path}?{query_string(query)}" if query else path
    return Drawn(method, url, body, headers)


def _no_server_error(client: FlaskClient, drawn: Drawn) -> None:
    with client.open(
        drawn.url, method=drawn.method, data=drawn.body, headers=drawn.headers
    ) as response:
        assert response.status_code < 500, (drawn, response.get_data(as_text=True)[:500])
        if drawn.url.startswith("/v1/") and response.status_code >= 400:
            assert response.content_type == "application/problem+json", drawn


def test_no_request_to_any_route_answers_5xx(app: Flask, client: FlaskClient, seeds) -> None:
    routes = _routes(app)
    assert len(routes) > 40
    for rule in routes:

        @settings(
            max_examples=EXAMPLES_PER_ROUTE,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(drawn=requests_for(rule, seeds))
        def no_server_error(drawn: Drawn) -> None:
            _no_server_error(client, drawn)

        no_server_error()
