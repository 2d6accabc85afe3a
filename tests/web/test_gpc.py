"""Global Privacy Control on the public posts (decision 0039).

`Sec-GPC: 1` on a sign-up form post or a preference-centre save is kept in the evidence of
the ledger entries the request writes and shown in the person's history; any other value is
ignored; the signal never changes a purpose the person did not switch themselves.
"""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.domain.gpc import signalled
from consent_service.translations import translate
from plumbing.tokens import ALL_EMAIL, LinkSigner
from tests.factories import unique_email
from tests.web.conftest import SHOP, hidden_fields

GPC = {"Sec-GPC": "1"}
JUNK = ["0", "yes", "true", "1.0", "11", "01", "+1", "1;", "x" * 8000, "1" * 8000, ""]
"""Values that are not exactly "1": each is ignored (GPC section 3.3; the rule itself is
tested in tests/unit/domain/test_gpc.py)."""
NOTE = (
    "Your browser sent the Global Privacy Control signal. We received it and honour it: we "
    "do not sell your data and do not share it with other companies for their own purposes. "
    "The signal does not change your email choices below: only you change those."
)
MARK = "Your browser's Global Privacy Control signal came with this change."


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """No rate limit: the property test below makes more requests than a visitor may."""
    return environ | {"PUBLIC_RATE_LIMIT": "0"}


@pytest.fixture
def evidence(app: Flask) -> Callable[[str], list[dict[str, str]]]:
    """The stored evidence of each of the subject's ledger entries, oldest first."""

    def read(subject_id: str) -> list[dict[str, str]]:
        with app.extensions["consent.sessions"]() as session:
            entries = SqlRepository(session).history(uuid.UUID(subject_id))
            return [entry.evidence or {} for entry in entries]

    return read


def subject_of(client: FlaskClient, writer: dict[str, str], email: str) -> dict[str, Any]:
    response = client.get("/v1/subjects", query_string={"email": email}, headers=writer)
    assert response.status_code == 200
    return response.get_json()


def statuses(subject: dict[str, Any]) -> dict[str, str]:
    return {p: c["status"] for p, c in subject["consents"].items()}


def history(client: FlaskClient, writer: dict[str, str], subject_id: str) -> list[dict]:
    answer = client.get(f"/v1/subjects/{subject_id}/history", headers=writer)
    return answer.get_json()["entries"]


def save_preferences(
    client: FlaskClient, url: str, purposes: list[str], headers: Headers | dict[str, str]
) -> TestResponse:
    """The page read without the signal, the save posted with `headers`."""
    page = client.get(url).get_data(as_text=True)
    form = hidden_fields(page) | {"purpose": purposes}
    return client.post(url, data=form, headers=headers)


def sign_up(
    client: FlaskClient, path: str, email: str, purposes: list[str], headers: Any
) -> TestResponse:
    page = client.get(path).get_data(as_text=True)
    form = hidden_fields(page) | {"email": email} | dict.fromkeys(purposes, "yes")
    return client.post(path, data=form, headers=headers)


# the preference centre


def test_a_save_with_the_signal_keeps_it_in_the_evidence_and_the_history(
    client, new_subject, preferences_url, writer, evidence
) -> None:
    subject_id = new_subject({"newsletters": True, "personalization": True})
    url = preferences_url(subject_id)
    answer = save_preferences(client, url, ["newsletters"], GPC)
    assert answer.status_code == 303
    stored = evidence(subject_id)
    assert stored[-1]["gpc"] == "1"
    assert "gpc" not in stored[0]  # the registration, which carried no signal
    entries = history(client, writer, subject_id)
    assert [(e["purpose"], e["status"], e["gpc"]) for e in entries[-1:]] == [
        ("personalization", "withdrawn", True)
    ]
    assert [e["gpc"] for e in entries[:-1]] == [False] * (len(entries) - 1)


def test_the_signal_never_withdraws_an_email_purpose(
    client, new_subject, preferences_url, writer
) -> None:
    subject_id = new_subject({"personalization": True})
    url = preferences_url(subject_id)
    save_preferences(client, url, ["newsletters", "promotions", "personalization"], {})
    chosen = ["newsletters", "promotions", "surveys", "personalization"]
    save_preferences(client, url, chosen, GPC)
    subject = client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()
    assert statuses(subject) == dict.fromkeys(chosen, "granted")
    granted = history(client, writer, subject_id)[-1]
    assert (granted["purpose"], granted["status"], granted["gpc"]) == ("surveys", "granted", True)


def test_a_save_without_the_signal_records_none(
    client, new_subject, preferences_url, writer, evidence
) -> None:
    subject_id = new_subject({"newsletters": True})
    save_preferences(client, preferences_url(subject_id), [], {})
    assert all("gpc" not in e for e in evidence(subject_id))
    assert [e["gpc"] for e in history(client, writer, subject_id)] == [False, False]


@pytest.mark.parametrize("junk", JUNK, ids=lambda v: v[:8] or "empty")
def test_a_save_with_another_value_records_no_signal(
    client, new_subject, preferences_url, writer, evidence, junk
) -> None:
    subject_id = new_subject({"newsletters": True})
    answer = save_preferences(client, preferences_url(subject_id), [], {"Sec-GPC": junk})
    assert answer.status_code == 303
    statuses_now = statuses(client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json())
    assert statuses_now == {"newsletters": "withdrawn"}
    assert all("gpc" not in e for e in evidence(subject_id))


def test_one_signal_among_several_headers_counts(
    client, new_subject, preferences_url, evidence
) -> None:
    subject_id = new_subject({"newsletters": True})
    headers = Headers([("Sec-GPC", "0"), ("Sec-GPC", "1")])
    save_preferences(client, preferences_url(subject_id), [], headers)
    assert evidence(subject_id)[-1]["gpc"] == "1"


def test_a_language_change_with_the_signal_keeps_it_too(
    client, new_subject, preferences_url, evidence
) -> None:
    subject_id = new_subject({"newsletters": True}, locale="ky")
    url = preferences_url(subject_id)
    page = client.get(url).get_data(as_text=True)
    form = hidden_fields(page) | {"purpose": ["newsletters"], "locale": "en"}
    assert client.post(url, data=form, headers=GPC).status_code == 303
    last = evidence(subject_id)[-1]
    assert (last["changed"], last["gpc"]) == ("locale", "1")


def test_a_save_that_changes_nothing_writes_nothing_even_with_the_signal(
    client, new_subject, preferences_url, table_counts
) -> None:
    url = preferences_url(new_subject({"newsletters": True}))
    client.get(url)
    before = table_counts()
    assert save_preferences(client, url, ["newsletters"], GPC).status_code == 303
    assert table_counts() == before


@pytest.mark.parametrize("locale", ["ky", "ru", "en"])
def test_the_page_notes_the_signal_and_marks_the_changes_it_came_with(
    client, new_subject, preferences_url, locale
) -> None:
    subject_id = new_subject({"newsletters": True, "surveys": True}, locale=locale)
    url = preferences_url(subject_id)
    save_preferences(client, url, ["newsletters"], GPC)

    with_signal = client.get(url, headers=GPC)
    page = with_signal.get_data(as_text=True)
    assert "Sec-GPC" in with_signal.headers["Vary"]
    assert translate(locale, NOTE) in page
    assert translate(locale, "History of your choices") in page
    assert page.count(translate(locale, MARK)) == 1  # the withdrawal, not the sign-up
    survey = translate(locale, "Customer surveys")
    withdrawn = translate(locale, "Withdrawn")
    assert f"{survey}: {withdrawn}" in page

    without = client.get(url).get_data(as_text=True)
    assert translate(locale, NOTE) not in without
    assert 'id="gpc-note"' not in without
    assert without.count(translate(locale, MARK)) == 1  # the history still says it


@pytest.mark.parametrize("junk", ["0", "yes", "1" * 8000])
def test_another_value_gets_no_note(client, new_subject, preferences_url, junk) -> None:
    url = preferences_url(new_subject({"newsletters": True}, locale="en"))
    answer = client.get(url, headers={"Sec-GPC": junk})
    assert answer.status_code == 200
    assert 'id="gpc-note"' not in answer.get_data(as_text=True)


def test_the_download_carries_the_signal_per_entry(
    client, new_subject, preferences_url, mailer_sent_nothing
) -> None:
    subject_id = new_subject({"newsletters": True})
    url = preferences_url(subject_id)
    save_preferences(client, url, [], GPC)
    page = client.get(url).get_data(as_text=True)
    download = client.post(f"{url}/export", data=hidden_fields(page))
    assert download.status_code == 200
    assert [e["gpc"] for e in download.get_json()["history"]] == [False, True]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=200))
def test_any_header_value_is_a_signal_or_nothing_and_never_a_server_error(
    client, new_subject, preferences_url, evidence, value
) -> None:
    subject_id = new_subject({"newsletters": True})
    url = preferences_url(subject_id)
    assert client.get(url, headers={"Sec-GPC": value}).status_code == 200
    assert save_preferences(client, url, [], {"Sec-GPC": value}).status_code == 303
    last = evidence(subject_id)[-1]
    assert ("gpc" in last) is signalled([value])


# sign-up forms


def test_a_form_post_with_the_signal_keeps_it_and_asks_what_was_ticked(
    client, make_form, writer, evidence
) -> None:
    email = unique_email()
    answer = sign_up(client, make_form(), email, ["newsletters", "promotions"], GPC)
    assert answer.status_code == 200
    subject = subject_of(client, writer, email)
    assert statuses(subject) == {"newsletters": "pending", "promotions": "pending"}
    assert [e["gpc"] for e in history(client, writer, subject["subject_id"])] == [True, True]
    assert {e["gpc"] for e in evidence(subject["subject_id"])} == {"1"}


def test_a_form_post_with_the_signal_withdraws_nothing_granted(
    client, make_form, writer, new_subject, preferences_url
) -> None:
    subject_id = new_subject({"personalization": True})
    save_preferences(client, preferences_url(subject_id), ["newsletters", "personalization"], {})
    email = client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()["email"]
    sign_up(client, make_form(), email, ["promotions"], GPC)
    subject = subject_of(client, writer, email)
    assert statuses(subject) == {
        "newsletters": "granted",
        "personalization": "granted",
        "promotions": "pending",
    }


@pytest.mark.parametrize(
    "headers", [{}, {"Sec-GPC": "0"}, {"Sec-GPC": "yes"}, {"Sec-GPC": "1" * 8000}]
)
def test_a_form_post_without_the_signal_records_none(
    client, make_form, writer, evidence, headers
) -> None:
    email = unique_email()
    assert sign_up(client, make_form(), email, ["newsletters"], headers).status_code == 200
    subject = subject_of(client, writer, email)
    assert statuses(subject) == {"newsletters": "pending"}
    assert all("gpc" not in e for e in evidence(subject["subject_id"]))


def test_a_json_submission_with_the_signal_keeps_it(client, make_form, writer, evidence) -> None:
    make_form()
    email = unique_email()
    body = {"email": email, "purposes": ["newsletters"], "locale": "ky", "website": ""}
    answer = client.post("/f/newsletter", json=body, headers={"Origin": SHOP, **GPC})
    assert answer.status_code == 202
    subject = subject_of(client, writer, email)
    assert statuses(subject) == {"newsletters": "pending"}
    assert evidence(subject["subject_id"])[-1]["gpc"] == "1"


# the email-link pages share the same evidence


def test_a_one_click_unsubscribe_with_the_signal_keeps_it_too(
    client, new_subject, writer, evidence
) -> None:
    subject_id = new_subject({"promotions": True, "personalization": True})
    token = LinkSigner("test-secret").unsubscribe_token(uuid.UUID(subject_id), ALL_EMAIL)
    answer = client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"}, headers=GPC)
    assert answer.status_code == 200
    subject = client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()
    assert statuses(subject) == {"promotions": "withdrawn", "personalization": "granted"}
    assert evidence(subject_id)[-1]["gpc"] == "1"
