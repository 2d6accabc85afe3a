"""`PATCH /v1/subjects/{id}`: rectification over HTTP, what it records and what it refuses.
With the mailer following it, see tests/e2e/test_rectification_stack.py."""

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.domain.suppression import SuppressionReason
from consent_service.services.suppressions import suppress, suppression_reasons
from tests.factories import consent_body, unique_email
from tests.links.conftest import form_with

SECRET = "test-secret"


@pytest.fixture
def sign_up(client, writer):
    def create(purposes=None, email=None, **subject) -> dict:
        body = consent_body(email or unique_email(), purposes or {"personalization": True})
        body["subject"] |= subject
        response = client.post("/v1/consents", json=body, headers=writer)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create


@pytest.fixture
def in_registry(app):
    def run(work):
        with app.extensions["consent.sessions"]() as session, session.begin():
            return work(SqlRepository(session))

    return run


def messages_of(app, subject_id: str) -> list[dict]:
    table = orm.OutboxMessage
    query = (
        select(table.payload).where(table.subject_id == uuid.UUID(subject_id)).order_by(table.id)
    )
    with app.extensions["consent.sessions"]() as session:
        return list(session.scalars(query))


def patch(client, writer, subject_id: str, body):
    return client.patch(f"/v1/subjects/{subject_id}", json=body, headers=writer)


def test_every_field_changes_and_the_answer_is_the_subject_as_get_shows_it(
    client, writer, sign_up
) -> None:
    subject = sign_up(name="Aigul", external_id="u-1")
    new_address = unique_email().replace("@", ".New@")
    body = {"email": new_address, "locale": "ru", "name": "Aigul T.", "external_id": "u-17"}
    response = patch(client, writer, subject["subject_id"], body)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer == client.get(f"/v1/subjects/{subject['subject_id']}", headers=writer).get_json()
    assert (answer["email"], answer["locale"], answer["name"], answer["external_id"]) == (
        new_address,
        "ru",
        "Aigul T.",
        "u-17",
    )
    assert answer["version"] == subject["version"] + 1
    assert answer["consents"] == subject["consents"]
    found = client.get(f"/v1/subjects?email={new_address.upper()}", headers=writer)
    assert found.get_json()["subject_id"] == subject["subject_id"]


def test_it_is_one_ledger_entry_and_one_subject_updated_message(
    app, client, writer, sign_up
) -> None:
    subject = sign_up()
    new_address = unique_email()
    patch(client, writer, subject["subject_id"], {"email": new_address, "name": None})
    entries = client.get(f"/v1/subjects/{subject['subject_id']}/history", headers=writer)
    last = entries.get_json()["entries"][-1]
    assert (last["kind"], last["source"], last["purpose"], last["status"]) == (
        "subject",
        "admin",
        None,
        None,
    )
    message = messages_of(app, subject["subject_id"])[-1]
    assert message["schema"] == "subject.updated/1"
    assert (message["email"], message["version"], message["changed"]) == (
        new_address,
        subject["version"] + 1,
        ["email"],
    )


def test_a_name_can_be_cleared_with_null(client, writer, sign_up) -> None:
    subject = sign_up(name="Aigul")
    response = patch(client, writer, subject["subject_id"], {"name": None})
    assert (response.status_code, response.get_json()["name"]) == (200, None)


def test_the_values_already_stored_change_nothing(client, writer, sign_up, table_counts) -> None:
    subject = sign_up(name="Aigul")
    before = table_counts()
    response = patch(client, writer, subject["subject_id"], {"locale": "ky", "name": "Aigul"})
    assert response.status_code == 200
    assert response.get_json()["version"] == subject["version"]
    assert table_counts() == before


def test_an_address_held_by_another_subject_in_any_case_is_409_and_changes_nothing(
    client, writer, sign_up, table_counts
) -> None:
    subject, other = sign_up(), sign_up()
    before = table_counts()
    response = patch(client, writer, subject["subject_id"], {"email": other["email"].upper()})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert table_counts() == before


@pytest.mark.parametrize(
    "reason", [SuppressionReason.HARD_BOUNCE, SuppressionReason.INVALID_ADDRESS]
)
def test_an_address_that_cannot_receive_mail_is_409_naming_why(
    client, writer, sign_up, in_registry, table_counts, reason
) -> None:
    subject, bouncing = sign_up(), unique_email()
    in_registry(lambda r: suppress(r, SECRET, bouncing, reason, datetime.now(UTC)))
    before = table_counts()
    response = patch(client, writer, subject["subject_id"], {"email": bouncing})
    assert response.status_code == 409
    assert reason.value in response.get_json()["detail"]
    assert table_counts() == before


def test_an_erased_persons_address_may_be_taken_and_leaves_the_list(
    client, writer, sign_up, in_registry
) -> None:
    erased, subject = sign_up(), sign_up()
    assert client.delete(f"/v1/subjects/{erased['subject_id']}", headers=writer).status_code == 204
    response = patch(client, writer, subject["subject_id"], {"email": erased["email"]})
    assert response.status_code == 200
    assert in_registry(lambda r: suppression_reasons(r, (SECRET,), erased["email"])) == set()


def test_a_change_of_address_makes_it_unconfirmed_but_a_change_of_case_does_not(
    client, writer, sign_up, in_registry
) -> None:
    subject = sign_up()
    subject_id = uuid.UUID(subject["subject_id"])
    local, domain = subject["email"].split("@")
    patch(client, writer, subject["subject_id"], {"email": f"{local.upper()}@{domain}"})
    # Personalization needs no double opt-in; confirm the address as a link would.
    in_registry(
        lambda r: r.set_subject_version(
            subject_id,
            subject["version"] + 1,
            datetime.now(UTC),
            email_confirmed_at=datetime.now(UTC),
        )
    )
    patch(client, writer, subject["subject_id"], {"email": f"{local.lower()}@{domain}"})
    assert in_registry(lambda r: r.subject_by_id(subject_id)).email_confirmed_at is not None
    patch(client, writer, subject["subject_id"], {"email": unique_email()})
    assert in_registry(lambda r: r.subject_by_id(subject_id)).email_confirmed_at is None


def confirm(client, url: str):
    """Open a double opt-in link and press its button, as a browser would."""
    path = urlsplit(url).path
    page = client.get(path)
    if page.status_code != 200:
        return page
    form = form_with(page.get_data(as_text=True), "confirm")
    return client.post(path, data=dict(form.fields))


def test_a_confirmation_link_sent_before_a_change_of_address_confirms_nothing(
    app, client, writer, sign_up
) -> None:
    subject = sign_up({"newsletters": True})
    subject_id = subject["subject_id"]
    [old_request] = [
        m for m in messages_of(app, subject_id) if m["schema"] == "optin.confirmation_requested/1"
    ]
    new_address = unique_email()
    assert patch(client, writer, subject_id, {"email": new_address}).status_code == 200
    page = client.get(urlsplit(old_request["confirm_url"]).path)
    assert page.status_code == 410
    assert 'id="confirm"' not in page.get_data(as_text=True)
    form = {"csrf_token": form_with(page.get_data(as_text=True), "resend").fields[0][1]}
    refused = client.post(urlsplit(old_request["confirm_url"]).path, data=form)
    assert refused.status_code == 410
    status = client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()
    assert status["consents"]["newsletters"]["status"] == "pending"

    new_request = messages_of(app, subject_id)[-1]
    assert new_request["schema"] == "optin.confirmation_requested/1"
    assert (new_request["email"], new_request["purposes"]) == (new_address, ["newsletters"])
    assert confirm(client, new_request["confirm_url"]).status_code == 200
    status = client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()
    assert status["consents"]["newsletters"]["status"] == "granted"


def test_without_anything_to_confirm_no_confirmation_email_is_asked_for(
    app, client, writer, sign_up
) -> None:
    subject = sign_up({"personalization": True})
    patch(client, writer, subject["subject_id"], {"email": unique_email()})
    schemas = [m["schema"] for m in messages_of(app, subject["subject_id"])]
    assert "optin.confirmation_requested/1" not in schemas


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "_schema"),
        ({"email": "not an address"}, "email"),
        ({"email": None}, "email"),
        ({"email": ""}, "email"),
        ({"locale": "de"}, "locale"),
        ({"locale": None}, "locale"),
        ({"name": ""}, "name"),
        ({"external_id": "4111 1111 1111 1111"}, "external_id"),
        ({"version": 9}, "version"),
        ({"email": "a@example.kg", "consents": {}}, "consents"),
        ([{"email": "a@example.kg"}], "_schema"),
    ],
)
def test_an_invalid_body_is_422_naming_the_field_and_changes_nothing(
    client, writer, sign_up, table_counts, body, field
) -> None:
    subject = sign_up()
    before = table_counts()
    response = patch(client, writer, subject["subject_id"], body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert table_counts() == before


def test_bad_requests_are_problems_and_change_nothing(
    client, writer, make_key, sign_up, table_counts
) -> None:
    subject_id = sign_up()["subject_id"]
    erased_id = sign_up()["subject_id"]
    assert client.delete(f"/v1/subjects/{erased_id}", headers=writer).status_code == 204
    reader = {"Authorization": f"Bearer {make_key('subjects:read', 'consents:write')}"}
    url = f"/v1/subjects/{subject_id}"
    before = table_counts()
    answers = {
        "no key": client.patch(url, json={"locale": "ru"}),
        "no scope": client.patch(url, json={"locale": "ru"}, headers=reader),
        "not json": client.patch(url, data="locale=ru", headers=writer),
        "malformed": client.patch(
            url, data="{", headers=writer | {"Content-Type": "application/json"}
        ),
        "unknown": client.patch(
            f"/v1/subjects/{uuid.uuid4()}", json={"locale": "ru"}, headers=writer
        ),
        "erased": client.patch(f"/v1/subjects/{erased_id}", json={"locale": "ru"}, headers=writer),
        "bad id": client.patch("/v1/subjects/nope", json={"locale": "ru"}, headers=writer),
    }
    assert {name: a.status_code for name, a in answers.items()} == {
        "no key": 401,
        "no scope": 403,
        "not json": 415,
        "malformed": 400,
        "unknown": 404,
        "erased": 404,
        "bad id": 404,
    }
    assert {a.mimetype for a in answers.values()} == {"application/problem+json"}
    assert table_counts() == before
