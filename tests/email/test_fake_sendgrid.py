"""The fake SendGrid refuses what SendGrid refuses, in SendGrid's words and shape."""

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fake_sendgrid import DEFAULT_KEY, FakeSendGrid
from tests.processes import ROOT


def post(
    url: str, body: Any, *, key: str | None = DEFAULT_KEY, raw: bytes | None = None
) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON answer of one request (the error answers included)."""
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
            return response.status, dict(response.headers), json.loads(payload) if payload else None
    except HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def mail(**changes: Any) -> dict[str, Any]:
    """A body SendGrid takes; `changes` replace top-level fields (None removes one)."""
    body: dict[str, Any] = {
        "personalizations": [
            {
                "to": [{"email": "aigul@example.kg"}],
                "substitutions": {"%%cs-name%%": "Aigul"},
                "custom_args": {"subject_id": "s-1", "run_id": "r-1"},
                "headers": {"List-Unsubscribe": "<https://c.example.kg/u/t>"},
            }
        ],
        "from": {"email": "news@shop.example.kg"},
        "subject": "News for %%cs-name%%",
        "content": [
            {"type": "text/plain", "value": "Hi %%cs-name%%"},
            {"type": "text/html", "value": "<p>Hi %%cs-name%%</p>"},
        ],
        "tracking_settings": {
            "click_tracking": {"enable": False, "enable_text": False},
            "open_tracking": {"enable": False},
            "subscription_tracking": {"enable": False},
        },
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def personalization(**changes: Any) -> dict[str, Any]:
    return {**mail()["personalizations"][0], **changes}


def addresses(count: int, start: int = 0) -> list[dict[str, str]]:
    return [{"email": f"r{n}@example.kg"} for n in range(start, start + count)]


def send_url(fake: FakeSendGrid) -> str:
    return f"{fake.url}/v3/mail/send"


def test_a_valid_request_is_accepted_and_recorded(fake_sendgrid: FakeSendGrid) -> None:
    status, headers, _ = post(send_url(fake_sendgrid), mail())

    assert status == 202
    assert headers["X-Message-Id"]
    [taken] = fake_sendgrid.accepted()
    assert taken.email == "aigul@example.kg"
    assert taken.custom_args == {"subject_id": "s-1", "run_id": "r-1"}
    assert taken.rendered("subject") == "News for Aigul"
    assert taken.rendered("text/html") == "<p>Hi Aigul</p>"


def test_a_subject_in_every_personalization_is_enough(fake_sendgrid: FakeSendGrid) -> None:
    body = mail(subject=None, personalizations=[personalization(subject="Hi")])

    assert post(send_url(fake_sendgrid), body)[0] == 202


RULES: dict[str, tuple[Callable[[], dict[str, Any]], str, str]] = {
    "no personalizations": (
        lambda: mail(personalizations=None),
        "personalizations",
        "at least one personalization",
    ),
    "empty personalizations": (
        lambda: mail(personalizations=[]),
        "personalizations",
        "at least one personalization",
    ),
    "1001 personalizations": (
        lambda: mail(personalizations=[personalization(to=addresses(1, n)) for n in range(1001)]),
        "personalizations",
        "limited to 1000 personalizations",
    ),
    "no to": (
        lambda: mail(personalizations=[personalization(to=None)]),
        "personalizations.0.to",
        "to array is required",
    ),
    "to without email": (
        lambda: mail(personalizations=[personalization(to=[{"name": "A"}])]),
        "personalizations.0.to.0.email",
        "valid email address",
    ),
    "1001 recipients": (
        lambda: mail(
            personalizations=[
                personalization(to=addresses(600)),
                personalization(to=addresses(401, 600)),
            ]
        ),
        "personalizations",
        "limit of 1000 total recipients",
    ),
    "an address twice": (
        lambda: mail(
            personalizations=[
                personalization(),
                personalization(to=[{"email": "AIGUL@example.kg"}]),
            ]
        ),
        "personalizations.1.to.0.email",
        "only be included once",
    ),
    "no from": (lambda: mail(**{"from": None}), "from.email", "from object must be provided"),
    "no subject": (lambda: mail(subject=None), "subject", "subject is required"),
    "no content": (lambda: mail(content=[]), "content", "content parameter is required"),
    "html before text": (
        lambda: mail(content=list(reversed(mail()["content"]))),
        "content",
        "text/plain, text/html",
    ),
    "empty content value": (
        lambda: mail(content=[{"type": "text/plain", "value": ""}]),
        "content.0.value",
        "at least one character",
    ),
    "substitutions over 10,000 bytes": (
        lambda: mail(personalizations=[personalization(substitutions={"%%x%%": "x" * 9_996})]),
        "personalizations.0.substitutions",
        "10,000 bytes",
    ),
    "a custom arg that is not a string": (
        lambda: mail(personalizations=[personalization(custom_args={"n": 1})]),
        "personalizations.0.custom_args",
        "string values",
    ),
    "custom args over 10,000 bytes": (
        lambda: mail(custom_args={"big": "x" * 10_000}),
        "custom_args",
        "10,000 bytes",
    ),
    "a reserved header": (
        lambda: mail(personalizations=[personalization(headers={"Reply-To": "x@example.kg"})]),
        "personalizations.0.headers.Reply-To",
        "reserved",
    ),
    "a reserved top-level header": (
        lambda: mail(headers={"DKIM-Signature": "x"}),
        "headers.DKIM-Signature",
        "reserved",
    ),
    "an unknown field": (lambda: mail(colour="blue"), "colour", "Unknown field"),
    "an unknown personalization field": (
        lambda: mail(personalizations=[personalization(colour="blue")]),
        "personalizations.0.colour",
        "Unknown field",
    ),
    "eleven categories": (
        lambda: mail(categories=[f"c{n}" for n in range(11)]),
        "categories",
        "at most 10",
    ),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_is_a_400_naming_the_field(fake_sendgrid: FakeSendGrid, rule: str) -> None:
    make, field, words = RULES[rule]

    status, _, answer = post(send_url(fake_sendgrid), make())

    assert status == 400
    assert [(e["field"], words in e["message"]) for e in answer["errors"]] == [(field, True)]
    assert fake_sendgrid.accepted() == []


SWITCHES = [
    ("click_tracking", "enable"),
    ("click_tracking", "enable_text"),
    ("open_tracking", "enable"),
    ("subscription_tracking", "enable"),
]
MISSING = object()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([False, True, None, 0, "false", MISSING]), min_size=4, max_size=4))
def test_a_request_that_leaves_any_tracking_on_is_refused_naming_each_switch(
    values: list[object],
) -> None:
    tracking: dict[str, dict[str, object]] = {}
    for (kind, switch), value in zip(SWITCHES, values, strict=True):
        tracking.setdefault(kind, {})
        if value is not MISSING:
            tracking[kind][switch] = value
    left_on = [
        f"tracking_settings.{kind}.{switch}"
        for (kind, switch), value in zip(SWITCHES, values, strict=True)
        if value is not False
    ]

    with FakeSendGrid() as fake:
        status, _, answer = post(send_url(fake), mail(tracking_settings=tracking))

    if left_on:
        assert status == 400
        assert [e["field"] for e in answer["errors"]] == left_on
    else:
        assert status == 202


@pytest.mark.parametrize("key", [None, "SG.someone-else"])
def test_a_missing_or_wrong_key_is_401(fake_sendgrid: FakeSendGrid, key: str | None) -> None:
    status, _, answer = post(send_url(fake_sendgrid), mail(), key=key)

    assert status == 401
    assert answer["errors"][0]["message"]


def test_a_body_over_20_mb_is_413(fake_sendgrid: FakeSendGrid) -> None:
    status, _, answer = post(send_url(fake_sendgrid), None, raw=b" " * (20 * 1024 * 1024 + 1))

    assert status == 413
    assert answer == {"errors": [{"message": "content too large", "field": None, "help": None}]}


def test_a_body_that_is_not_json_is_400(fake_sendgrid: FakeSendGrid) -> None:
    status, _, answer = post(send_url(fake_sendgrid), None, raw=b"{personalizations")

    assert status == 400
    assert "not valid JSON" in answer["errors"][0]["message"]


def test_forced_answers_come_first_then_normal_service(fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.fail_next(429, 1, retry_after=3)
    fake_sendgrid.fail_next(500)

    answers = [post(send_url(fake_sendgrid), mail()) for _ in range(3)]

    assert [status for status, _, _ in answers] == [429, 500, 202]
    assert answers[0][1]["Retry-After"] == "3"
    assert fake_sendgrid.stats()["statuses"] == {"202": 1, "429": 1, "500": 1}


def test_the_script_prints_its_url_and_obeys_its_control_endpoint() -> None:
    command = [sys.executable, "-m", "tests.fake_sendgrid", "--port", "0", "--api-key", "SG.script"]
    environment = os.environ | {"PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            url = process.stdout.readline().strip() if process.stdout else ""
            control = post(f"{url}/__control", {"action": "fail", "status": 503}, key=None)
            refused = post(f"{url}/v3/mail/send", mail(), key="SG.script")
            accepted = post(f"{url}/v3/mail/send", mail(), key="SG.script")
            with urllib.request.urlopen(f"{url}/__stats", timeout=10) as response:
                stats = json.loads(response.read())
        finally:
            process.terminate()
        assert process.wait(timeout=10) == 0
    assert url.startswith("http://127.0.0.1:")
    assert (control[0], refused[0], accepted[0]) == (200, 503, 202)
    assert stats["statuses"] == {"202": 1, "503": 1}
    assert stats["recipients"] == 1
