"""`/confirm/{token}`: GET shows the pending purposes, only the POST grants them, and once."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from consent_service.domain.purpose_texts import TITLES
from consent_service.services.link_emails import PER_DAY, PERIOD
from consent_service.translations import translate
from consent_service.web import links as link_pages
from plumbing.tokens import CONFIRM_MAX_AGE
from tests.links.conftest import form_with, forms_of


def test_the_page_shows_the_pending_purposes_in_the_subjects_language_and_changes_nothing(
    client, sign_up, confirm_link, statuses, table_counts
) -> None:
    subject_id = sign_up({"newsletters": True, "promotions": True}, locale="ru")
    before = table_counts()
    response = client.get(confirm_link(subject_id))
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "<h1>" in page
    assert translate("ru", TITLES["newsletters"]) in page
    assert translate("ru", TITLES["promotions"]) in page
    [form] = forms_of(page)
    assert (form.action, form.buttons) == (None, ["confirm"])
    assert [name for name, _value in form.fields] == ["csrf_token"]
    assert table_counts() == before
    assert statuses(subject_id) == {"newsletters": "pending", "promotions": "pending"}


def test_pressing_the_button_grants_every_pending_purpose_with_source_double_opt_in(
    press, sign_up, confirm_link, statuses, history, outbox
) -> None:
    subject_id = sign_up({"newsletters": True, "personalization": True}, locale="en")
    response = press(confirm_link(subject_id), "confirm")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert translate("en", TITLES["newsletters"]) in page
    assert "<form" not in page
    assert statuses(subject_id) == {"newsletters": "granted", "personalization": "granted"}
    last = history(subject_id)[-1]
    assert (last["purpose"], last["previous_status"], last["status"]) == (
        "newsletters",
        "pending",
        "granted",
    )
    assert (last["source"], last["actor"]) == ("double_opt_in", "subject")
    key, message = outbox()[-1]
    assert key == "consent.newsletters.granted"
    assert (message["schema"], message["source"]) == ("consent.changed/1", "double_opt_in")


def test_after_confirmation_later_grants_are_immediate(
    client, writer, press, sign_up, confirm_link, statuses
) -> None:
    subject_id = sign_up()
    press(confirm_link(subject_id), "confirm")
    client.put(
        f"/v1/subjects/{subject_id}/consents/surveys",
        json={"status": "granted", "source": "survey"},
        headers=writer,
    )
    assert statuses(subject_id)["surveys"] == "granted"


def test_a_post_without_the_forms_cookie_is_refused_and_changes_nothing(
    mail_provider, sign_up, confirm_link, statuses, table_counts
) -> None:
    subject_id = sign_up()
    before = table_counts()
    response = mail_provider.post(confirm_link(subject_id), data={"csrf_token": "0" * 64})
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert table_counts() == before
    assert statuses(subject_id) == {"newsletters": "pending"}


def test_a_post_with_the_cookie_but_another_field_is_refused(
    client, sign_up, confirm_link, table_counts
) -> None:
    url = confirm_link(sign_up())
    client.get(url)
    before = table_counts()
    assert client.post(url, data={"csrf_token": "f" * 64}).status_code == 403
    assert client.post(url).status_code == 403
    assert table_counts() == before


def test_a_used_link_says_the_subscription_is_confirmed_and_writes_nothing(
    client, press, csrf_field, sign_up, confirm_link, table_counts
) -> None:
    url = confirm_link(sign_up({"newsletters": True, "promotions": True}, locale="en"))
    assert press(url, "confirm").status_code == 200
    before = table_counts()
    for again in (client.get(url), client.post(url, data=csrf_field)):
        assert again.status_code == 200
        page = again.get_data(as_text=True)
        assert "<h1>Your subscription is confirmed</h1>" in page
        assert "already been used" not in page
        assert translate("en", TITLES["newsletters"]) in page
        assert translate("en", TITLES["promotions"]) in page
        assert "<form" not in page
    assert table_counts() == before


@pytest.mark.parametrize("where", ["page", "api"])
def test_a_used_link_says_it_was_used_once_what_it_granted_is_withdrawn(
    client, writer, press, csrf_field, sign_up, confirm_link, unsubscribe_link, where
) -> None:
    subject_id = sign_up({"newsletters": True, "promotions": True}, locale="en")
    url = confirm_link(subject_id)
    press(url, "confirm")
    if where == "page":
        press(unsubscribe_link(subject_id, "promotions"), "unsubscribe")
    else:
        withdrawn = {"status": "withdrawn", "source": "admin"}
        consent = f"/v1/subjects/{subject_id}/consents/promotions"
        assert client.put(consent, json=withdrawn, headers=writer).status_code == 200
    for again in (client.get(url), client.post(url, data=csrf_field)):
        assert again.status_code == 410
        page = again.get_data(as_text=True)
        assert "This link has already been used" in page
        assert "Nothing is waiting for confirmation" in page
        assert "<form" not in page


def test_a_used_link_offers_a_new_one_while_something_is_pending(
    client, writer, press, sign_up, confirm_link, unconfirm, confirmation_requests, statuses
) -> None:
    subject_id = sign_up({"newsletters": True}, locale="en")
    used = confirm_link(subject_id)
    press(used, "confirm")
    unconfirm(subject_id)
    client.put(
        f"/v1/subjects/{subject_id}/consents/surveys",
        json={"status": "granted", "source": "survey"},
        headers=writer,
    )
    assert statuses(subject_id)["surveys"] == "pending"
    page = client.get(used)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Your subscription is confirmed" in text
    granted, pending = text.split("We can email you a new link to confirm:")
    assert translate("en", TITLES["newsletters"]) in granted
    assert translate("en", TITLES["surveys"]) in pending
    sent_before = len(confirmation_requests())
    response = press(used, "resend")
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    [request] = confirmation_requests()[sent_before:]
    assert request["purposes"] == ["surveys"]
    new_path = urlsplit(request["confirm_url"]).path
    assert new_path != used
    assert press(new_path, "confirm").status_code == 200
    assert statuses(subject_id) == {"newsletters": "granted", "surveys": "granted"}


def test_nothing_pending_shows_a_page_without_a_button(client, sign_up, confirm_link) -> None:
    response = client.get(confirm_link(sign_up({"personalization": True}, locale="en")))
    assert response.status_code == 200
    assert "Nothing to confirm" in response.get_data(as_text=True)
    assert "<form" not in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "kind", ["forged", "unsubscribe-token", "preferences-token", "garbage", "other-nonce"]
)
def test_an_invalid_link_is_a_400_page_and_changes_nothing(
    client, csrf_field, sign_up, signer, table_counts, method: str, kind: str
) -> None:
    subject_id = uuid.UUID(sign_up())
    genuine = signer.confirm_token(subject_id)
    token = {
        "forged": genuine[:-3] + "abc",
        "unsubscribe-token": signer.unsubscribe_token(subject_id, "all"),
        "preferences-token": signer.preferences_token(subject_id),
        "garbage": "x" * 300,
        "other-nonce": re.sub(r"\.all\.[0-9a-f]+\.", ".all.00000000.", genuine),
    }[kind]
    before = table_counts()
    if method == "get":
        responses = [client.get(f"/confirm/{token}")]
    else:
        paths = (f"/confirm/{token}", f"/confirm/{token}/resend")
        responses = [client.post(path, data=csrf_field) for path in paths]
    for response in responses:
        assert response.status_code == 400
        assert response.mimetype == "text/html"
        assert "<h1>" in response.get_data(as_text=True)
    assert table_counts() == before


def test_an_expired_link_gets_a_410_page_that_offers_a_new_one_and_grants_nothing(
    client, sign_up, signer, minted_ago, statuses, table_counts
) -> None:
    subject_id = sign_up(locale="en")
    age = CONFIRM_MAX_AGE + timedelta(days=1)
    url = f"/confirm/{minted_ago(age, lambda: signer.confirm_token(uuid.UUID(subject_id)))}"
    before = table_counts()
    page = client.get(url)
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "This link has expired" in text
    assert translate("en", TITLES["newsletters"]) in text
    form = form_with(text, "resend")
    assert form.action == f"{url}/resend"
    assert client.post(url, data=dict(form.fields)).status_code == 410
    assert table_counts() == before
    assert statuses(subject_id) == {"newsletters": "pending"}


def test_the_new_link_asked_for_from_an_expired_one_confirms(
    press, sign_up, signer, minted_ago, confirmation_requests, statuses
) -> None:
    subject_id = sign_up({"newsletters": True, "promotions": True})
    age = CONFIRM_MAX_AGE + timedelta(days=1)
    url = f"/confirm/{minted_ago(age, lambda: signer.confirm_token(uuid.UUID(subject_id)))}"
    assert press(url, "resend").status_code == 200
    request = confirmation_requests()[-1]
    assert (request["subject_id"], request["purposes"]) == (
        subject_id,
        ["newsletters", "promotions"],
    )
    assert press(urlsplit(request["confirm_url"]).path, "confirm").status_code == 200
    assert statuses(subject_id) == {"newsletters": "granted", "promotions": "granted"}


def test_an_expired_link_with_nothing_pending_offers_nothing(
    client, sign_up, signer, minted_ago
) -> None:
    subject_id = sign_up({"personalization": True}, locale="en")
    age = CONFIRM_MAX_AGE + timedelta(days=1)
    url = f"/confirm/{minted_ago(age, lambda: signer.confirm_token(uuid.UUID(subject_id)))}"
    page = client.get(url)
    assert page.status_code == 410
    assert "Nothing is waiting for confirmation" in page.get_data(as_text=True)
    assert "<form" not in page.get_data(as_text=True)


def test_asking_for_a_new_link_with_nothing_pending_writes_nothing(
    client, press, sign_up, confirm_link, table_counts
) -> None:
    url = confirm_link(sign_up(locale="en"))
    page = client.get(url).get_data(as_text=True)
    fields = dict(form_with(page, "confirm").fields)
    client.post(url, data=fields)
    before = table_counts()
    response = client.post(f"{url}/resend", data=fields)
    assert response.status_code == 200
    assert "Nothing to confirm" in response.get_data(as_text=True)
    assert table_counts() == before


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("who", ["erased", "never-known"])
def test_a_subject_not_held_is_a_404_page(
    client, csrf_field, sign_up, confirm_link, erase, table_counts, method: str, who: str
) -> None:
    subject_id = str(uuid.uuid4())
    if who == "erased":
        subject_id = sign_up()
        erase(subject_id)
    url = confirm_link(subject_id)
    before = table_counts()
    if method == "get":
        responses = [client.get(url)]
    else:
        responses = [client.post(path, data=csrf_field) for path in (url, f"{url}/resend")]
    for response in responses:
        assert response.status_code == 404
        assert response.mimetype == "text/html"
    assert table_counts() == before


def test_reloading_the_answer_to_a_resend_goes_back_to_the_links_page(
    client, sign_up, confirm_link
) -> None:
    url = confirm_link(sign_up())
    response = client.get(f"{url}/resend?lang=ru")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{url}?lang=ru"


@pytest.mark.parametrize("link", ["expired", "used"])
def test_new_links_are_capped_per_person_and_the_answer_never_says_so(
    client,
    writer,
    press,
    sign_up,
    signer,
    minted_ago,
    confirmation_requests,
    unconfirm,
    monkeypatch,
    link,
) -> None:
    """Eight presses on an old link used to send eight emails (issue 11, point 12)."""
    subject_id = sign_up({"newsletters": True}, locale="en")
    mint = lambda: signer.confirm_token(uuid.UUID(subject_id))  # noqa: E731
    if link == "expired":
        old = f"/confirm/{minted_ago(CONFIRM_MAX_AGE + timedelta(days=1), mint)}"
    else:
        old = f"/confirm/{mint()}"
        press(old, "confirm")
        unconfirm(subject_id)
        surveys = {"status": "granted", "source": "survey"}
        client.put(f"/v1/subjects/{subject_id}/consents/surveys", json=surveys, headers=writer)
    fields = dict(form_with(client.get(old).get_data(as_text=True), "resend").fields)
    asked = len(confirmation_requests())
    answers = {client.post(f"{old}/resend", data=fields).get_data() for _ in range(8)}
    assert len(answers) == 1
    [answer] = answers
    assert b"<h1>Check your inbox</h1>" in answer
    assert b"at most 3 new links a day" in answer
    assert len(confirmation_requests()) - asked == PER_DAY
    another = f"/confirm/{minted_ago(CONFIRM_MAX_AGE + timedelta(days=2), mint)}"
    other_answer = client.post(f"{another}/resend", data=fields).get_data()
    assert other_answer.replace(another.encode(), old.encode()) == answer  # its own link only
    assert len(confirmation_requests()) - asked == PER_DAY
    monkeypatch.setattr(link_pages, "now", lambda: datetime.now(UTC) + PERIOD)
    assert client.post(f"{old}/resend", data=fields).get_data() == answer
    assert len(confirmation_requests()) - asked == PER_DAY + 1
