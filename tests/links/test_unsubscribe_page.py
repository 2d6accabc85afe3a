"""`/u/{token}`: the page asks first; RFC 8058 one-click and the page's button withdraw."""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.purpose_texts import TITLES
from schemas.tokens import UNSUBSCRIBE_MAX_AGE
from tests.factories import consent_body

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def unsubscribe_url(signer):
    def url(subject_id: str, purpose: str = "newsletters") -> str:
        return f"/u/{signer.unsubscribe_token(uuid.UUID(subject_id), purpose)}"

    return url


@pytest.fixture
def confirmed(client, sign_up, signer):
    """A subject whose email purposes were confirmed, so they are granted."""

    def create(purposes: dict[str, bool], locale: str = "ky") -> str:
        subject_id = sign_up(purposes, locale=locale)
        client.post(f"/confirm/{signer.confirm_token(uuid.UUID(subject_id))}")
        return subject_id

    return create


def test_the_page_names_the_purpose_and_changes_nothing(
    client, confirmed, unsubscribe_url, statuses, table_counts
) -> None:
    subject_id = confirmed({"newsletters": True}, locale="ru")
    before = table_counts()
    response = client.get(unsubscribe_url(subject_id))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert TITLES["newsletters"]["ru"] in page
    assert page.count('<form method="post">') == 1
    assert table_counts() == before
    assert statuses(subject_id) == {"newsletters": "granted"}


def test_one_click_withdraws_with_source_one_click_and_answers_200_directly(
    client, confirmed, unsubscribe_url, statuses, history, outbox
) -> None:
    subject_id = confirmed({"newsletters": True, "promotions": True})
    response = client.post(unsubscribe_url(subject_id), data=ONE_CLICK)
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert statuses(subject_id) == {"newsletters": "withdrawn", "promotions": "granted"}
    last = history(subject_id)[-1]
    assert (last["purpose"], last["status"], last["source"]) == (
        "newsletters",
        "withdrawn",
        "one_click",
    )
    key, message = outbox()[-1]
    assert (key, message["source"]) == ("consent.newsletters.withdrawn", "one_click")


def test_one_click_as_multipart_form_data_is_honoured_too(
    client, confirmed, unsubscribe_url, history
) -> None:
    subject_id = confirmed({"newsletters": True})
    response = client.post(
        unsubscribe_url(subject_id), data=ONE_CLICK, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert history(subject_id)[-1]["source"] == "one_click"


def test_the_pages_button_withdraws_with_source_unsubscribe_link(
    client, confirmed, unsubscribe_url, statuses, history
) -> None:
    subject_id = confirmed({"surveys": True}, locale="en")
    response = client.post(unsubscribe_url(subject_id, "surveys"), data={})
    assert response.status_code == 200
    assert TITLES["surveys"]["en"] in response.get_data(as_text=True)
    assert statuses(subject_id) == {"surveys": "withdrawn"}
    assert history(subject_id)[-1]["source"] == "unsubscribe_link"


def test_a_pending_purpose_can_be_unsubscribed_before_it_was_confirmed(
    client, sign_up, unsubscribe_url, statuses
) -> None:
    subject_id = sign_up({"newsletters": True})
    client.post(unsubscribe_url(subject_id), data=ONE_CLICK)
    assert statuses(subject_id) == {"newsletters": "withdrawn"}


@pytest.mark.parametrize("body", [ONE_CLICK, {}], ids=["one-click", "button"])
def test_unsubscribing_again_answers_200_and_writes_nothing(
    client, confirmed, unsubscribe_url, table_counts, body
) -> None:
    url = unsubscribe_url(confirmed({"newsletters": True}))
    client.post(url, data=body)
    before = table_counts()
    again = client.post(url, data=body)
    assert again.status_code == 200
    assert table_counts() == before


def test_all_withdraws_every_granted_or_pending_email_purpose_and_nothing_else(
    client, confirmed, writer, subject, unsubscribe_url, statuses, history
) -> None:
    subject_id = confirmed({"newsletters": True, "personalization": True, "surveys": False})
    email = subject(subject_id)["email"]
    body = consent_body(email=email, purposes={"promotions": True})
    client.post("/v1/consents", json=body, headers=writer)  # granted at once: email confirmed
    entries_before = len(history(subject_id))
    response = client.post(unsubscribe_url(subject_id, "all"), data=ONE_CLICK)
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


def test_all_includes_purposes_still_pending(client, sign_up, unsubscribe_url, statuses) -> None:
    subject_id = sign_up({"newsletters": True, "promotions": True, "personalization": True})
    client.post(unsubscribe_url(subject_id, "all"), data={})
    assert statuses(subject_id) == {
        "newsletters": "withdrawn",
        "promotions": "withdrawn",
        "personalization": "granted",
    }


def test_the_page_of_an_all_link_lists_what_the_button_stops(
    client, confirmed, unsubscribe_url
) -> None:
    subject_id = confirmed({"newsletters": True, "surveys": True}, locale="en")
    page = client.get(unsubscribe_url(subject_id, "all")).get_data(as_text=True)
    assert TITLES["newsletters"]["en"] in page
    assert TITLES["surveys"]["en"] in page


def test_pages_are_never_cached_and_never_leak_the_token(client, confirmed, unsubscribe_url):
    response = client.get(unsubscribe_url(confirmed({"newsletters": True})))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("body", [ONE_CLICK, {}], ids=["one-click", "button"])
def test_an_invalid_token_is_a_400_page_and_changes_nothing(
    client, confirmed, signer, table_counts, body
) -> None:
    subject_id = uuid.UUID(confirmed({"newsletters": True}))
    forged = signer.unsubscribe_token(subject_id, "newsletters").replace("newsletters", "surveys")
    before = table_counts()
    for token in (forged, signer.confirm_token(subject_id), "nonsense"):
        response = client.post(f"/u/{token}", data=body)
        assert response.status_code == 400
        assert response.mimetype == "text/html"
    assert client.get(f"/u/{forged}").status_code == 400
    assert table_counts() == before


def test_an_expired_token_is_refused_and_a_sixty_day_old_one_still_works(
    client, confirmed, signer, minted_ago, statuses, table_counts
) -> None:
    subject_id = confirmed({"newsletters": True})

    def mint() -> str:
        return signer.unsubscribe_token(uuid.UUID(subject_id), "newsletters")

    expired = minted_ago(UNSUBSCRIBE_MAX_AGE + timedelta(days=1), mint)
    before = table_counts()
    assert client.post(f"/u/{expired}", data=ONE_CLICK).status_code == 400
    assert table_counts() == before
    old = minted_ago(timedelta(days=60), mint)
    assert client.post(f"/u/{old}", data=ONE_CLICK).status_code == 200
    assert statuses(subject_id) == {"newsletters": "withdrawn"}


@pytest.mark.parametrize("who", ["erased", "never-known"])
def test_one_click_for_a_subject_not_held_answers_200_and_changes_nothing(
    client, sign_up, erase, unsubscribe_url, table_counts, who: str
) -> None:
    subject_id = str(uuid.uuid4())
    if who == "erased":
        subject_id = sign_up()
        erase(subject_id)
    before = table_counts()
    response = client.post(unsubscribe_url(subject_id), data=ONE_CLICK)
    assert response.status_code == 200
    assert table_counts() == before


@pytest.mark.parametrize("who", ["erased", "never-known"])
def test_the_page_and_its_button_for_a_subject_not_held_are_404(
    client, sign_up, erase, unsubscribe_url, table_counts, who: str
) -> None:
    subject_id = str(uuid.uuid4())
    if who == "erased":
        subject_id = sign_up()
        erase(subject_id)
    before = table_counts()
    assert client.get(unsubscribe_url(subject_id)).status_code == 404
    assert client.post(unsubscribe_url(subject_id), data={}).status_code == 404
    assert table_counts() == before
