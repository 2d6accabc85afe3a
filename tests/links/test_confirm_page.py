"""`/confirm/{token}`: GET shows the pending purposes, only the POST grants them."""

import re
import uuid
from datetime import timedelta

import pytest

from consent_service.domain.purpose_texts import TITLES
from schemas.tokens import CONFIRM_MAX_AGE


def test_the_page_shows_the_pending_purposes_in_the_subjects_language_and_changes_nothing(
    client, sign_up, signer, statuses, table_counts
) -> None:
    subject_id = sign_up({"newsletters": True, "promotions": True}, locale="ru")
    before = table_counts()
    response = client.get(f"/confirm/{signer.confirm_token(uuid.UUID(subject_id))}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "<h1>" in page
    assert TITLES["newsletters"]["ru"] in page
    assert TITLES["promotions"]["ru"] in page
    assert len(re.findall(r'<form method="post">', page)) == 1
    assert '<button type="submit">' in page
    assert table_counts() == before
    assert statuses(subject_id) == {"newsletters": "pending", "promotions": "pending"}


def test_post_grants_every_pending_purpose_with_source_double_opt_in(
    client, sign_up, signer, statuses, history, outbox
) -> None:
    subject_id = sign_up({"newsletters": True, "personalization": True}, locale="en")
    response = client.post(f"/confirm/{signer.confirm_token(uuid.UUID(subject_id))}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert TITLES["newsletters"]["en"] in page
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
    client, writer, sign_up, signer, statuses
) -> None:
    subject_id = sign_up()
    client.post(f"/confirm/{signer.confirm_token(uuid.UUID(subject_id))}")
    client.put(
        f"/v1/subjects/{subject_id}/consents/surveys",
        json={"status": "granted", "source": "survey"},
        headers=writer,
    )
    assert statuses(subject_id)["surveys"] == "granted"


def test_a_second_post_has_nothing_to_confirm_and_writes_nothing(
    client, sign_up, signer, table_counts
) -> None:
    url = f"/confirm/{signer.confirm_token(uuid.UUID(sign_up()))}"
    client.post(url)
    before = table_counts()
    again = client.post(url)
    assert again.status_code == 200
    assert "<form" not in again.get_data(as_text=True)
    assert table_counts() == before


def test_nothing_pending_shows_a_page_without_a_button(client, sign_up, signer) -> None:
    subject_id = sign_up({"personalization": True}, locale="en")
    response = client.get(f"/confirm/{signer.confirm_token(uuid.UUID(subject_id))}")
    assert response.status_code == 200
    assert "Nothing to confirm" in response.get_data(as_text=True)
    assert "<form" not in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("kind", ["forged", "unsubscribe-token", "garbage"])
def test_an_invalid_link_is_a_400_page_and_changes_nothing(
    client, sign_up, signer, table_counts, method: str, kind: str
) -> None:
    subject_id = uuid.UUID(sign_up())
    token = {
        "forged": signer.confirm_token(subject_id)[:-3] + "abc",
        "unsubscribe-token": signer.unsubscribe_token(subject_id, "all"),
        "garbage": "x" * 300,
    }[kind]
    before = table_counts()
    response = getattr(client, method)(f"/confirm/{token}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "<h1>" in response.get_data(as_text=True)
    assert table_counts() == before


def test_an_expired_link_is_a_400_page_and_grants_nothing(
    client, sign_up, signer, minted_ago, statuses, table_counts
) -> None:
    subject_id = sign_up()
    age = CONFIRM_MAX_AGE + timedelta(days=1)
    token = minted_ago(age, lambda: signer.confirm_token(uuid.UUID(subject_id)))
    before = table_counts()
    assert client.post(f"/confirm/{token}").status_code == 400
    assert table_counts() == before
    assert statuses(subject_id) == {"newsletters": "pending"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_erased_subject_is_a_404_page(
    client, sign_up, signer, erase, table_counts, method: str
) -> None:
    subject_id = sign_up()
    erase(subject_id)
    before = table_counts()
    response = getattr(client, method)(f"/confirm/{signer.confirm_token(uuid.UUID(subject_id))}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert table_counts() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_subject_never_known_is_a_404_page(client, signer, table_counts, method: str) -> None:
    before = table_counts()
    response = getattr(client, method)(f"/confirm/{signer.confirm_token(uuid.uuid4())}")
    assert response.status_code == 404
    assert table_counts() == before
