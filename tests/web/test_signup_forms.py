"""The hosted sign-up page `/f/{form_id}` and what a public submission may and may not do."""

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.translations import translate
from tests.factories import unique_email
from tests.web.conftest import hidden_fields, html_lang, sign_up_on_page

THANKS = "Thank you! Please check your inbox"
BAD_EMAIL = "Enter a valid email address, like name@example.kg."


@pytest.fixture
def statuses(client: FlaskClient, writer: dict[str, str]) -> Callable[[str], dict[str, str] | None]:
    """The address's consent statuses, or None if the registry does not know it."""

    def read(email: str) -> dict[str, str] | None:
        response = client.get("/v1/subjects", query_string={"email": email}, headers=writer)
        if response.status_code == 404:
            return None
        return {p: c["status"] for p, c in response.get_json()["consents"].items()}

    return read


@pytest.fixture
def outbox(app: Flask) -> Callable[[], list[tuple[str, dict[str, Any]]]]:
    def read() -> list[tuple[str, dict[str, Any]]]:
        table = orm.OutboxMessage
        with app.extensions["consent.sessions"]() as session:
            rows = session.execute(select(table.routing_key, table.payload).order_by(table.id))
            return [(key, payload) for key, payload in rows]

    return read


@pytest.mark.parametrize("locale", ["ky", "ru", "en"])
def test_the_page_speaks_the_visitor_s_language(client, make_form, locale) -> None:
    path = make_form()
    page = client.get(path, headers={"Accept-Language": locale}).get_data(as_text=True)
    assert html_lang(page) == locale
    assert translate(locale, "Sign up for our emails") in page
    assert translate(locale, "Email newsletter") in page
    assert translate(locale, "Personalised shopping") in page
    assert hidden_fields(page)["locale"] == locale


def test_without_a_preference_the_form_s_language_comes_before_the_default(
    client, make_form
) -> None:
    path = make_form(default_locale="en")
    assert html_lang(client.get(path).get_data(as_text=True)) == "en"
    assert html_lang(client.get(f"{path}?lang=ru").get_data(as_text=True)) == "ru"


def test_the_page_offers_unticked_boxes_a_honeypot_and_the_policy(client, make_form) -> None:
    page = client.get(make_form(purposes=["newsletters", "surveys"])).get_data(as_text=True)
    assert 'name="newsletters" value="yes"' in page and 'name="surveys" value="yes"' in page
    assert "promotions" not in page
    assert " checked" not in page
    assert 'name="website" id="website" value="" tabindex="-1" autocomplete="off"' in page
    assert '<label for="website">' in page
    assert 'href="/policy"' in page
    assert "csrf_token" in hidden_fields(page)


def test_an_unknown_form_is_a_404_page(client) -> None:
    for response in (client.get("/f/nothing?lang=ru"), client.post("/f/nothing", data={})):
        assert response.status_code == 404
        assert response.mimetype == "text/html"
    assert translate("ru", "Page not found") in client.get("/f/nothing?lang=ru").get_data(
        as_text=True
    )


def test_a_submission_makes_every_asked_purpose_pending_and_asks_once(
    client, make_form, statuses, outbox
) -> None:
    email = unique_email()
    answer = sign_up_on_page(client, make_form(), email, ["newsletters", "personalization"])
    assert answer.status_code == 200
    assert translate("ru", THANKS) in answer.get_data(as_text=True)
    assert statuses(email) == {"newsletters": "pending", "personalization": "pending"}
    requests = [body for key, body in outbox() if key == "optin.confirmation_requested"]
    assert len(requests) == 1
    assert requests[0]["purposes"] == ["newsletters", "personalization"]
    assert requests[0]["email"] == email


def test_the_submission_is_recorded_with_the_form_as_source_actor_and_evidence(
    client, make_form, writer, registry_session
) -> None:
    email = unique_email()
    sign_up_on_page(
        client,
        make_form(source="registration"),
        email,
        ["newsletters"],
    )
    subject = client.get("/v1/subjects", query_string={"email": email}, headers=writer)
    history = client.get(
        f"/v1/subjects/{subject.get_json()['subject_id']}/history", headers=writer
    ).get_json()["entries"]
    assert [(e["source"], e["actor"]) for e in history] == [("registration", "form:newsletter")]
    ledger = registry_session().session.scalars(select(orm.LedgerEntry)).one()
    assert ledger.evidence["form_id"] == "newsletter"
    assert ledger.evidence["ip"] == "127.0.0.0/24"


def test_a_confirmed_address_still_waits_for_the_link(
    client, make_form, writer, statuses, outbox
) -> None:
    """A public form proves nothing about the address, even one confirmed before."""
    email = unique_email()
    body = {
        "subject": {"email": email},
        "purposes": {"personalization": True},
        "source": "registration",
    }
    assert client.post("/v1/consents", json=body, headers=writer).status_code == 201
    sign_up_on_page(client, make_form(), email, ["promotions"])
    assert statuses(email) == {"personalization": "granted", "promotions": "pending"}
    assert outbox()[-1][0] == "optin.confirmation_requested"


def test_known_and_unknown_addresses_get_the_same_answer(
    client, make_form, writer, statuses
) -> None:
    path = make_form()
    known = unique_email()
    body = {"subject": {"email": known}, "purposes": {"newsletters": True}, "source": "order"}
    client.post("/v1/consents", json=body, headers=writer)
    answers = [
        sign_up_on_page(client, path, email, ["newsletters"]) for email in (unique_email(), known)
    ]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].get_data() == answers[1].get_data()
    assert sorted(answers[0].headers.keys()) == sorted(answers[1].headers.keys())


def test_a_submission_cannot_withdraw_anything(client, make_form, writer, statuses) -> None:
    email = unique_email()
    body = {"subject": {"email": email}, "purposes": {"personalization": True}, "source": "order"}
    client.post("/v1/consents", json=body, headers=writer)
    sign_up_on_page(client, make_form(), email, ["newsletters"])  # personalization unticked
    assert statuses(email) == {"personalization": "granted", "newsletters": "pending"}


def test_a_filled_honeypot_gets_the_thank_you_and_changes_nothing(
    client, make_form, statuses, table_counts
) -> None:
    path = make_form()
    client.get(path)
    before = table_counts()
    email = unique_email()
    answer = sign_up_on_page(client, path, email, ["newsletters"], website="http://spam.example")
    assert answer.status_code == 200
    assert translate("ru", THANKS) in answer.get_data(as_text=True)
    assert statuses(email) is None
    assert table_counts() == before


@pytest.mark.parametrize(
    ("email", "purposes", "field", "message"),
    [
        ("not-an-address", ["newsletters"], "email", BAD_EMAIL),
        ("", ["newsletters"], "email", BAD_EMAIL),
        ("aigul@example.kg", [], "purposes", "Tick at least one box to sign up."),
    ],
)
def test_bad_input_is_a_422_page_naming_the_field(
    client, make_form, table_counts, email, purposes, field, message
) -> None:
    path = make_form()
    client.get(path)
    before = table_counts()
    answer = sign_up_on_page(client, path, email, purposes)
    assert answer.status_code == 422
    assert answer.mimetype == "text/html"
    page = answer.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert translate("ru", message) in page
    assert translate("ru", "Sign up for our emails") in page
    assert table_counts() == before


def test_a_success_url_is_where_the_person_goes_next(client, make_form, statuses) -> None:
    path = make_form(success_url="https://shop.example.kg/thanks")
    csp = client.get(path).headers["Content-Security-Policy"]
    assert "form-action 'self' https://shop.example.kg;" in csp
    email = unique_email()
    answer = sign_up_on_page(client, path, email, ["surveys", "newsletters"])
    assert answer.status_code == 303
    assert answer.headers["Location"] == "https://shop.example.kg/thanks"
    assert statuses(email) == {"newsletters": "pending"}  # surveys is not offered here
