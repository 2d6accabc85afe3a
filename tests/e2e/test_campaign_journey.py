"""The whole journey on `consent up`'s embedded defaults, as a new user meets it: sign up,
the double opt-in email, the confirmation page, a campaign email with its unsubscribe
headers, a one-click unsubscribe from that email, and the next run leaving the person out.

Emails are the `.eml` files the default `file` backend writes under `<instance>/outbox/`.
"""

import email
import email.policy
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.processes import consent_cli, free_port, wait_for_http
from tests.stack import mailer_state, wait_until

SCOPES = (
    "consents:write",
    "subjects:read",
    "campaigns:write",
    "campaigns:send",
    "campaigns:read",
)


class Up:
    """`consent up` on a free port, with a key for every call the journey makes."""

    def __init__(self, instance: Path) -> None:
        self.instance = instance
        self.environ = {
            "CONSENT_INSTANCE_DIR": str(instance),
            "CONSENT_DATABASE_URL": "",
            "MAILER_DATABASE_URL": "",
            "BROKER_URL": "",
            "CONSENT_SECRET_KEY": "",
            "PUBLIC_BASE_URL": "",
            "MAILER_EMAIL_BACKEND": "",
        }
        self.base = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen | None = None
        self.key = ""

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "consent_service", "up", "--port", self.base.rsplit(":", 1)[1]],
            env=os.environ | self.environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_http(f"{self.base}/healthz", timeout=30)
        options = [arg for scope in SCOPES for arg in ("--scope", scope)]
        created = consent_cli(self.environ, "keys", "create", "--name", "journey", *options)
        self.key = created.stdout.split()[-1]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())

    def emails(self, category: str) -> list[EmailMessage]:
        outbox = self.instance / "outbox"
        files = sorted(outbox.glob(f"{category}_*.eml")) if outbox.exists() else []
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in files
        ]


@pytest.fixture
def up(tmp_path) -> Up:
    service = Up(tmp_path / "instance")
    service.start()
    yield service
    service.stop()


def post_form(url: str, body: bytes, cookie: str | None = None) -> tuple[int, str]:
    """A browser's form POST (with the cookie of its GET), or a mail provider's without one."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def part(message: EmailMessage, subtype: str) -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def newsletters(up: Up, subject_id: str) -> str:
    return up.call("GET", f"/v1/subjects/{subject_id}")[1]["consents"]["newsletters"]["status"]


def run_of(up: Up, campaign_id: str, run_id: str) -> dict:
    runs = up.call("GET", f"/v1/campaigns/{campaign_id}")[1]["runs"]
    return next(run for run in runs if run["id"] == run_id)


def finished_run(up: Up, campaign_id: str) -> dict:
    status, started = up.call("POST", f"/v1/campaigns/{campaign_id}/runs")
    assert status == 202
    run_id = started["run_id"]
    assert wait_until(lambda: run_of(up, campaign_id, run_id)["status"] == "completed", 60)
    return run_of(up, campaign_id, run_id)


def test_sign_up_confirm_receive_and_unsubscribe_in_one_click(up: Up) -> None:
    body = {
        "subject": {"email": "aigul@example.kg", "locale": "ky"},
        "purposes": {"newsletters": True},
        "source": "newsletter_form",
    }
    status, subject = up.call("POST", "/v1/consents", body)
    assert (status, subject["consents"]["newsletters"]["status"]) == (201, "pending")
    subject_id = subject["subject_id"]

    assert wait_until(lambda: up.emails("confirmation"), 30), "no confirmation email"
    [confirmation] = up.emails("confirmation")
    assert confirmation["To"] == "aigul@example.kg"
    assert "List-Unsubscribe" not in confirmation
    link = re.search(rf"{re.escape(up.base)}/confirm/\S+", part(confirmation, "plain"))[0]
    assert "aigul" not in link
    with urllib.request.urlopen(link, timeout=30) as page:
        assert page.status == 200
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        field = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.read().decode())[1]
    assert newsletters(up, subject_id) == "pending", "the GET of the page changed something"
    assert post_form(link, f"csrf_token={field}".encode(), cookie=cookie)[0] == 200
    assert newsletters(up, subject_id) == "granted"

    campaign = {
        "name": "Weekly news",
        "purpose": "newsletters",
        "content": {"ky": {"subject": "Жаңылыктар", "html": "<p>Салам!</p>", "text": "Салам!"}},
        "schedule": {"at": "2030-01-07T09:00:00+06:00"},
    }
    status, created = up.call("POST", "/v1/campaigns", campaign)
    assert status == 201
    # The mailer learns of the confirmation by event; a run planned before would skip her.
    view = f"sqlite:///{up.instance / 'mailer.db'}"
    assert wait_until(lambda: mailer_state(view).get(subject_id) == {"newsletters": "granted"}, 30)
    first = finished_run(up, created["id"])
    assert first["counts"]["sent"] == 1
    # Counted per locale by the mailer, through the relay; one person is a cell below 5.
    assert first["by_locale"] == {"ky": dict.fromkeys(first["counts"], None)}
    [news] = up.emails("campaign")
    assert news["Subject"] == "Жаңылыктар"
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = news["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{up.base}/u/")
    assert unsubscribe in part(news, "plain") and unsubscribe in part(news, "html")
    assert f"{up.base}/preferences/" in part(news, "plain")
    assert "aigul" not in unsubscribe

    status, _ = post_form(unsubscribe, b"List-Unsubscribe=One-Click")
    assert 200 <= status < 300
    assert newsletters(up, subject_id) == "withdrawn", "not in effect when the answer came"
    history = up.call("GET", f"/v1/subjects/{subject_id}/history")[1]["entries"]
    assert history[-1]["source"] == "one_click"

    second = finished_run(up, created["id"])
    assert second["counts"]["sent"] == 0
    assert len(up.emails("campaign")) == 1, "an email after the one-click unsubscribe"
