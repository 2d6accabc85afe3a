"""Rectification and erasure on `consent up`'s embedded defaults, as a shop meets them:
SQLite files, the embedded broker and `.eml` files, all under one instance directory.

A person corrects a mistyped address before confirming it: the link sent to the old one no
longer confirms anything, the new one does, and the campaign reaches the new address only.
Another person, who changed address once, deletes their data from the preference-centre
link of a campaign email: within seconds no file under the instance directory but the
emails already sent holds either of their addresses, SQLite files and broker included, the
ledger verifies, the next run leaves them out, and an import of their address, or of their
earlier one, is refused through the API and through `consent import`.
"""

import email
import email.policy
import json
import re
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

import pytest

from tests.e2e.test_campaign_journey import Up, finished_run, post_form
from tests.e2e.test_erasure_stack import cli_import_rejects
from tests.leftovers import files_holding, sqlite_files, tables_holding
from tests.processes import consent_cli
from tests.stack import mailer_state, wait_until

SCOPES = (
    "consents:write",
    "subjects:read",
    "subjects:write",
    "campaigns:write",
    "campaigns:send",
    "campaigns:read",
)
CONTENT = {
    "ky": {"subject": "Жаңылыктар", "html": "<p>Салам!</p>", "text": "Салам!"},
    "en": {"subject": "News", "html": "<p>Hello!</p>", "text": "Hello!"},
}


@pytest.fixture
def up(tmp_path) -> Up:
    service = Up(tmp_path / "instance")
    service.start()
    options = [arg for scope in SCOPES for arg in ("--scope", scope)]
    created = consent_cli(service.environ, "keys", "create", "--name", "rights", *options)
    service.key = created.stdout.split()[-1]
    yield service
    service.stop()


def call(up: Up, method: str, path: str, body: dict | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(up.base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {up.key}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def emails_to(up: Up, address: str, category: str) -> list[EmailMessage]:
    outbox = up.instance / "outbox"
    found = []
    for path in sorted(outbox.glob(f"{category}_*.eml")) if outbox.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.append(message)
    return found


def link_in(message: EmailMessage, up: Up, path: str) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"{re.escape(up.base)}/{path}/\S+", text)[0]


def open_and_press(url: str) -> tuple[int, str]:
    """GET the page, then POST its form with the CSRF field and cookie, as a browser does."""
    try:
        with urllib.request.urlopen(url, timeout=30) as page:
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
            field = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.read().decode())[1]
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    try:
        return post_form(url, f"csrf_token={field}".encode(), cookie=cookie)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def confirmation_link(up: Up, address: str) -> str:
    assert wait_until(lambda: emails_to(up, address, "confirmation"), 30), f"none to {address}"
    return link_in(emails_to(up, address, "confirmation")[-1], up, "confirm")


def sign_up(up: Up, address: str, name: str) -> str:
    body = {
        "subject": {"email": address, "locale": "en", "name": name},
        "purposes": {"newsletters": True},
        "source": "newsletter_form",
    }
    status, answer = call(up, "POST", "/v1/consents", body)
    assert (status, answer["consents"]["newsletters"]["status"]) == (201, "pending")
    return answer["subject_id"]


def granted_in(view: str) -> list[str]:
    return [
        s for s, purposes in mailer_state(view).items() if purposes == {"newsletters": "granted"}
    ]


def newsletters(up: Up, subject_id: str) -> str:
    return call(up, "GET", f"/v1/subjects/{subject_id}")[1]["consents"]["newsletters"]["status"]


def test_a_corrected_address_and_an_erasure_from_the_preference_centre(up: Up) -> None:
    rita = sign_up(up, "rita@exmaple.kg", "Rita")
    old_link = confirmation_link(up, "rita@exmaple.kg")
    status, answer = call(up, "PATCH", f"/v1/subjects/{rita}", {"email": "rita@example.kg"})
    assert (status, answer["email"]) == (200, "rita@example.kg")
    assert open_and_press(old_link)[0] == 410
    assert newsletters(up, rita) == "pending"
    assert open_and_press(confirmation_link(up, "rita@example.kg"))[0] == 200
    assert newsletters(up, rita) == "granted"

    erkin = sign_up(up, "erkin.first@example.kg", "Erkin Erased")
    assert open_and_press(confirmation_link(up, "erkin.first@example.kg"))[0] == 200
    status, _ = call(up, "PATCH", f"/v1/subjects/{erkin}", {"email": "erkin@example.kg"})
    assert status == 200
    kept = sign_up(up, "kept@example.kg", "Kept")
    assert open_and_press(confirmation_link(up, "kept@example.kg"))[0] == 200

    status, campaign = call(
        up,
        "POST",
        "/v1/campaigns",
        {
            "name": "News",
            "purpose": "newsletters",
            "content": CONTENT,
            "schedule": {"at": "2030-01-07T09:00:00+06:00"},
        },
    )
    assert status == 201
    view = f"sqlite:///{up.instance / 'mailer.db'}"
    assert wait_until(
        lambda: tables_holding(view, ["erkin@example.kg"]) and len(granted_in(view)) == 3, 30
    ), "the mailer's view did not follow"
    assert finished_run(up, campaign["id"])["counts"]["sent"] == 3
    assert not emails_to(up, "rita@exmaple.kg", "campaign")
    [news] = emails_to(up, "erkin@example.kg", "campaign")

    preferences = link_in(news, up, "preferences")
    status, page = open_and_press(f"{preferences}/delete")
    assert (status, "Your data has been deleted" in page) == (200, True)
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(preferences, timeout=30)
    assert gone.value.code == 404

    traces = ["erkin.first@example.kg", "erkin@example.kg", "Erkin Erased"]
    databases = sqlite_files(up.instance)
    assert {path.name for path in databases} >= {"consent.db", "mailer.db"}
    assert wait_until(
        lambda: (
            not files_holding(up.instance, traces)
            and not any(tables_holding(f"sqlite:///{path}", traces) for path in databases)
        ),
        10,
        0.5,
    ), files_holding(up.instance, traces)
    verified = consent_cli(up.environ, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    history = call(up, "GET", f"/v1/subjects/{erkin}/history")
    assert history[0] == 404

    assert finished_run(up, campaign["id"])["counts"]["sent"] == 2
    assert len(emails_to(up, "erkin@example.kg", "campaign")) == 1
    assert len(emails_to(up, "rita@example.kg", "campaign")) == 2
    assert newsletters(up, kept) == "granted"
    for address in ("erkin@example.kg", "erkin.first@example.kg"):
        imported = {
            "subject": {"email": address},
            "purposes": {"newsletters": True},
            "source": "import",
        }
        assert call(up, "POST", "/v1/consents", imported)[0] == 409, address
        assert cli_import_rejects(up.environ, up.instance.parent, address), address
