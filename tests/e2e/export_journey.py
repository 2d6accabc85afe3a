"""The journey the export tests start from, against real processes: a person signs up, gets
the double opt-in email (the `file` backend's `.eml`), confirms it in the page, and receives
one campaign email. What the export must then show: that campaign email, `sent`."""

import csv
import email
import email.policy
import io
import json
import re
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

from tests.stack import mailer_state, wait_until

CAMPAIGN = {
    "name": "Weekly news",
    "purpose": "newsletters",
    "content": {"ky": {"subject": "Жаңылыктар", "html": "<p>Салам!</p>", "text": "Салам!"}},
    "schedule": {"at": "2030-01-07T09:00:00+06:00"},
}


class Api:
    """Calls with one key; answers as (status, headers, raw body)."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base, key

    def raw(
        self, method: str, path: str, body: dict | None = None, timeout: float = 60
    ) -> tuple[int, dict[str, str], bytes]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read()

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        status, _, content = self.raw(method, path, body)
        return status, json.loads(content or b"{}")


def emails(instance: Path, category: str) -> list[email.message.EmailMessage]:
    outbox = instance / "outbox"
    files = sorted(outbox.glob(f"{category}_*.eml")) if outbox.exists() else []
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]


def _confirm(link: str) -> None:
    """Open the confirmation page as a browser, then press its button (the POST grants)."""
    with urllib.request.urlopen(link, timeout=30) as page:
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        field = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.read().decode())[1]
    form = urllib.request.Request(
        link,
        data=f"csrf_token={field}".encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    with urllib.request.urlopen(form, timeout=30) as answer:
        assert answer.status == 200


def sign_up_and_confirm(api: Api, instance: Path, address: str) -> str:
    body = {
        "subject": {"email": address, "locale": "ky", "name": "Айгүл"},
        "purposes": {"newsletters": True},
        "source": "newsletter_form",
    }
    status, subject = api.call("POST", "/v1/consents", body)
    assert (status, subject["consents"]["newsletters"]["status"]) == (201, "pending"), subject
    assert wait_until(lambda: emails(instance, "confirmation"), 60), "no confirmation email"
    [confirmation] = emails(instance, "confirmation")
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    _confirm(re.search(rf"{re.escape(api.base)}/confirm/\S+", text)[0])
    status, subject = api.call("GET", f"/v1/subjects/{subject['subject_id']}")
    assert subject["consents"]["newsletters"]["status"] == "granted"
    return subject["subject_id"]


def send_one_campaign(api: Api, mailer_database_url: str, subject_id: str) -> tuple[str, str]:
    """A campaign run that emails the person once; its (campaign id, run id)."""
    wanted = {"newsletters": "granted"}
    assert wait_until(lambda: mailer_state(mailer_database_url).get(subject_id) == wanted, 60)
    status, campaign = api.call("POST", "/v1/campaigns", CAMPAIGN)
    assert status == 201, campaign
    status, started = api.call("POST", f"/v1/campaigns/{campaign['id']}/runs")
    assert status == 202, started

    def run() -> dict:
        runs = api.call("GET", f"/v1/campaigns/{campaign['id']}")[1]["runs"]
        return next(r for r in runs if r["id"] == started["run_id"])

    assert wait_until(lambda: run()["status"] == "completed", 120), run()
    assert run()["counts"]["sent"] == 1
    return campaign["id"], started["run_id"]


def read_zip(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


def without_time(export: dict) -> dict:
    return {k: v for k, v in export.items() if k != "exported_at"}
