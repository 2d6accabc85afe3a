"""A change that makes a purpose pending asks, in its transaction, for the double opt-in email."""

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from consent_service.adapters.repository import SqlRepository
from consent_service.domain.consent import ConsentStatus
from consent_service.services.consents import change_context, set_consent
from plumbing.tokens import Intent
from schemas.messages import load_message
from tests.factories import consent_body


def test_a_pending_sign_up_writes_a_valid_confirmation_request(
    client, writer, signer, confirmation_requests
) -> None:
    body = consent_body(purposes={"newsletters": True, "promotions": True, "surveys": False})
    body["subject"]["locale"] = "ru"
    answer = client.post("/v1/consents", json=body, headers=writer).get_json()
    [message] = confirmation_requests()
    loaded = load_message(message)
    assert loaded["schema"] == "optin.confirmation_requested/1"
    assert str(loaded["subject_id"]) == answer["subject_id"]
    assert loaded["version"] == answer["version"]
    assert (loaded["email"], loaded["locale"]) == (answer["email"], "ru")
    assert loaded["purposes"] == ["newsletters", "promotions"]
    url = urlsplit(loaded["confirm_url"])
    assert f"{url.scheme}://{url.netloc}" == "http://127.0.0.1:8000"  # PUBLIC_BASE_URL default
    token = url.path.removeprefix("/confirm/")
    assert signer.read(Intent.CONFIRM, token).subject_id == uuid.UUID(answer["subject_id"])


def test_the_link_in_the_request_confirms_the_purposes_it_names(
    press, sign_up, confirmation_requests, statuses
) -> None:
    subject_id = sign_up({"newsletters": True})
    path = urlsplit(confirmation_requests()[0]["confirm_url"]).path
    assert press(path, "confirm").status_code == 200
    assert statuses(subject_id) == {"newsletters": "granted"}


def test_a_direct_grant_asks_for_no_confirmation(sign_up, confirmation_requests) -> None:
    sign_up({"personalization": True, "promotions": False})
    assert confirmation_requests() == []


def test_repeating_a_pending_request_sends_no_second_email(
    client, writer, confirmation_requests
) -> None:
    body = consent_body(purposes={"newsletters": True})
    client.post("/v1/consents", json=body, headers=writer)
    client.post("/v1/consents", json=body, headers=writer)
    assert len(confirmation_requests()) == 1


def test_a_new_pending_purpose_asks_again_for_everything_pending(
    client, writer, subject, confirmation_requests
) -> None:
    body = consent_body(purposes={"newsletters": True})
    subject_id = client.post("/v1/consents", json=body, headers=writer).get_json()["subject_id"]
    client.put(
        f"/v1/subjects/{subject_id}/consents/surveys",
        json={"status": "granted", "source": "survey"},
        headers=writer,
    )
    first, second = confirmation_requests()
    assert first["purposes"] == ["newsletters"]
    assert second["purposes"] == ["newsletters", "surveys"]
    assert second["version"] == subject(subject_id)["version"]


def test_a_grant_after_confirmation_asks_for_nothing(
    client, writer, press, sign_up, confirm_link, confirmation_requests
) -> None:
    subject_id = sign_up({"newsletters": True})
    press(confirm_link(subject_id), "confirm")
    client.put(
        f"/v1/subjects/{subject_id}/consents/promotions",
        json={"status": "granted", "source": "preference_center"},
        headers=writer,
    )
    assert len(confirmation_requests()) == 1


def test_a_withdrawal_while_something_is_pending_asks_for_nothing(
    client, writer, sign_up, confirmation_requests
) -> None:
    subject_id = sign_up({"newsletters": True, "personalization": True})
    client.put(
        f"/v1/subjects/{subject_id}/consents/personalization",
        json={"status": "withdrawn", "source": "preference_center"},
        headers=writer,
    )
    assert len(confirmation_requests()) == 1


def test_a_pending_change_without_a_way_to_mint_the_link_is_refused_whole(
    app, sign_up, table_counts
) -> None:
    """A caller that forgot the links fails loudly rather than leave the person waiting."""
    subject_id = uuid.UUID(sign_up({"personalization": True}))
    before = table_counts()

    def grant_without_links() -> None:
        with app.extensions["consent.sessions"]() as session, session.begin():
            registry = SqlRepository(session)
            context = change_context(registry, source="survey", actor="t", now=datetime.now(UTC))
            surveys = frozenset({"surveys"})
            status = ConsentStatus.GRANTED
            set_consent(registry, subject_id, "surveys", status, context, surveys, links=None)

    with pytest.raises(RuntimeError, match="no confirmation link"):
        grant_without_links()
    assert table_counts() == before
