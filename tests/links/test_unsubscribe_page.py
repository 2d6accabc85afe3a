"""`/u/{token}`: the page asks first; RFC 8058 one-click and the page's button withdraw."""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.purpose_texts import TITLES
from consent_service.translations import translate
from plumbing.tokens import UNSUBSCRIBE_MAX_AGE
from tests.factories import consent_body
from tests.links.conftest import ONE_CLICK, forms_of

ENCODINGS = ["application/x-www-form-urlencoded", "multipart/form-data"]


def test_the_page_names_the_purpose_and_changes_nothing(
    client, confirmed, unsubscribe_link, statuses, table_counts
) -> None:
    subject_id = confirmed({"newsletters": True}, locale="ru")
    before = table_counts()
    response = client.get(unsubscribe_link(subject_id))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert translate("ru", TITLES["newsletters"]) in page
    [form] = forms_of(page)
    assert (form.action, form.buttons) == (None, ["unsubscribe"])
    assert table_counts() == before
    assert statuses(subject_id) == {"newsletters": "granted"}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_one_click_withdraws_with_source_one_click_and_answers_200_directly(
    mail_provider, confirmed, unsubscribe_link, statuses, history, outbox, encoding: str
) -> None:
    subject_id = confirmed({"newsletters": True, "promotions": True})
    response = mail_provider.post(
        unsubscribe_link(subject_id), data=ONE_CLICK, content_type=encoding
    )
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert statuses(subject_id) == {"newsletters": "withdrawn", "promotions": "granted"}
    last = history(subject_id)[-1]
    assert (last["purpose"], last["status"], last["source"], last["actor"]) == (
        "newsletters",
        "withdrawn",
        "one_click",
        "subject",
    )
    key, message = outbox()[-1]
    assert (key, message["source"]) == ("consent.newsletters.withdrawn", "one_click")


def test_one_click_needs_no_csrf_field_even_from_a_client_with_cookies(
    client, confirmed, unsubscribe_link, statuses
) -> None:
    subject_id = confirmed({"newsletters": True})
    assert client.post(unsubscribe_link(subject_id), data=ONE_CLICK).status_code == 200
    assert statuses(subject_id) == {"newsletters": "withdrawn"}


@pytest.mark.parametrize("body", [{}, {"List-Unsubscribe": "Yes"}], ids=["empty", "other-value"])
def test_a_post_that_is_not_one_click_needs_the_pages_csrf_field(
    mail_provider, confirmed, unsubscribe_link, statuses, table_counts, body
) -> None:
    subject_id = confirmed({"newsletters": True})
    before = table_counts()
    response = mail_provider.post(unsubscribe_link(subject_id), data=body)
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert table_counts() == before
    assert statuses(subject_id) == {"newsletters": "granted"}


def test_the_get_a_mail_scanner_makes_changes_nothing(
    mail_provider, confirmed, unsubscribe_link, table_counts
) -> None:
    url = unsubscribe_link(confirmed({"newsletters": True}))
    before = table_counts()
    for _ in range(3):
        assert mail_provider.get(url).status_code == 200
    assert mail_provider.head(url).status_code == 200
    assert table_counts() == before


def test_the_pages_button_withdraws_with_source_unsubscribe_link(
    press, confirmed, unsubscribe_link, statuses, history
) -> None:
    subject_id = confirmed({"surveys": True}, locale="en")
    response = press(unsubscribe_link(subject_id, "surveys"), "unsubscribe")
    assert response.status_code == 200
    assert translate("en", TITLES["surveys"]) in response.get_data(as_text=True)
    assert statuses(subject_id) == {"surveys": "withdrawn"}
    assert history(subject_id)[-1]["source"] == "unsubscribe_link"


def test_a_pending_purpose_can_be_unsubscribed_before_it_was_confirmed(
    mail_provider, sign_up, unsubscribe_link, statuses
) -> None:
    subject_id = sign_up({"newsletters": True})
    mail_provider.post(unsubscribe_link(subject_id), data=ONE_CLICK)
    assert statuses(subject_id) == {"newsletters": "withdrawn"}


@pytest.mark.parametrize("how", ["one-click", "button"])
def test_unsubscribing_again_answers_200_and_writes_nothing(
    mail_provider, press, confirmed, unsubscribe_link, table_counts, how: str
) -> None:
    url = unsubscribe_link(confirmed({"newsletters": True}))

    def unsubscribe():
        if how == "one-click":
            return mail_provider.post(url, data=ONE_CLICK)
        return press(url, "unsubscribe")

    unsubscribe()
    before = table_counts()
    assert unsubscribe().status_code == 200
    assert table_counts() == before


def test_all_withdraws_every_granted_or_pending_email_purpose_and_nothing_else(
    mail_provider, confirmed, client, writer, subject, unsubscribe_link, statuses, history
) -> None:
    subject_id = confirmed({"newsletters": True, "personalization": True, "surveys": False})
    email = subject(subject_id)["email"]
    body = consent_body(email=email, purposes={"promotions": True})
    client.post("/v1/consents", json=body, headers=writer)  # granted at once: email confirmed
    entries_before = len(history(subject_id))
    response = mail_provider.post(unsubscribe_link(subject_id, "all"), data=ONE_CLICK)
    assert response.status_code == 200
    assert statuses(subject_id) == {
        "newsletters": "withdrawn",
        "promotions": "withdrawn",
        "surveys": "withdrawn",
        "personalization": "granted",
    }
    new = history(subject_id)[entries_before:]
    assert sorted(e["purpose"] for e in new) == ["newsletters", "promotions"]
    assert {e["source"] for e in new} == {"one_click"}


def test_all_includes_purposes_still_pending(press, sign_up, unsubscribe_link, statuses) -> None:
    subject_id = sign_up({"newsletters": True, "promotions": True, "personalization": True})
    press(unsubscribe_link(subject_id, "all"), "unsubscribe")
    assert statuses(subject_id) == {
        "newsletters": "withdrawn",
        "promotions": "withdrawn",
        "personalization": "granted",
    }


def test_the_page_of_an_all_link_lists_what_the_button_stops(
    client, confirmed, unsubscribe_link
) -> None:
    subject_id = confirmed({"newsletters": True, "surveys": True}, locale="en")
    page = client.get(unsubscribe_link(subject_id, "all")).get_data(as_text=True)
    assert translate("en", TITLES["newsletters"]) in page
    assert translate("en", TITLES["surveys"]) in page


def test_pages_are_never_cached_and_never_leak_the_token(client, confirmed, unsubscribe_link):
    response = client.get(unsubscribe_link(confirmed({"newsletters": True})))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("body", ["one-click", "button"])
def test_an_invalid_token_is_a_400_page_and_changes_nothing(
    client, csrf_field, confirmed, signer, table_counts, body: str
) -> None:
    subject_id = uuid.UUID(confirmed({"newsletters": True}))
    forged = signer.unsubscribe_token(subject_id, "newsletters").replace("newsletters", "surveys")
    foreign = (signer.confirm_token(subject_id), signer.preferences_token(subject_id))
    data = ONE_CLICK if body == "one-click" else csrf_field
    before = table_counts()
    for token in (forged, *foreign, "nonsense"):
        response = client.post(f"/u/{token}", data=data)
        assert response.status_code == 400
        assert response.mimetype == "text/html"
        assert client.get(f"/u/{token}").status_code == 400
    assert table_counts() == before


def test_an_expired_token_is_refused_and_a_sixty_day_old_one_still_works(
    mail_provider, confirmed, signer, minted_ago, statuses, table_counts
) -> None:
    subject_id = confirmed({"newsletters": True})

    def mint() -> str:
        return signer.unsubscribe_token(uuid.UUID(subject_id), "newsletters")

    expired = minted_ago(UNSUBSCRIBE_MAX_AGE + timedelta(days=1), mint)
    before = table_counts()
    assert mail_provider.post(f"/u/{expired}", data=ONE_CLICK).status_code == 400
    assert table_counts() == before
    old = minted_ago(timedelta(days=60), mint)
    assert mail_provider.post(f"/u/{old}", data=ONE_CLICK).status_code == 200
    assert statuses(subject_id) == {"newsletters": "withdrawn"}


@pytest.mark.parametrize("who", ["erased", "never-known"])
def test_one_click_for_a_subject_not_held_answers_200_and_changes_nothing(
    mail_provider, sign_up, erase, unsubscribe_link, table_counts, who: str
) -> None:
    subject_id = str(uuid.uuid4())
    if who == "erased":
        subject_id = sign_up()
        erase(subject_id)
    before = table_counts()
    response = mail_provider.post(unsubscribe_link(subject_id), data=ONE_CLICK)
    assert response.status_code == 200
    assert table_counts() == before


@pytest.mark.parametrize("who", ["erased", "never-known"])
def test_the_page_and_its_button_for_a_subject_not_held_are_404(
    client, csrf_field, sign_up, erase, unsubscribe_link, table_counts, who: str
) -> None:
    subject_id = str(uuid.uuid4())
    if who == "erased":
        subject_id = sign_up()
        erase(subject_id)
    before = table_counts()
    assert client.get(unsubscribe_link(subject_id)).status_code == 404
    assert client.post(unsubscribe_link(subject_id), data=csrf_field).status_code == 404
    assert table_counts() == before
