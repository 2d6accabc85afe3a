"""After unsubscribing: the preference centre link, and an undo that is a new, explicit grant."""

import uuid

import pytest
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.domain.purpose_texts import TITLES
from consent_service.translations import translate
from schemas.tokens import Intent
from tests.links.conftest import ONE_CLICK, form_with, forms_of

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chromium/130"}


@pytest.fixture
def ledger_evidence(app):
    """The evidence kept with a subject's newest ledger entry."""

    def read(subject_id: str) -> dict[str, str] | None:
        table = orm.LedgerEntry
        query = (
            select(table.evidence)
            .where(table.subject_id == uuid.UUID(subject_id))
            .order_by(table.seq.desc())
            .limit(1)
        )
        with app.extensions["consent.sessions"]() as session:
            return session.execute(query).scalar_one()

    return read


@pytest.fixture
def unsubscribe_then_undo(press, submit):
    """Unsubscribe by the page's button, then press the undo on the page that answers."""

    def run(url: str):
        done = press(url, "unsubscribe", headers=BROWSER)
        return submit(url, done, "undo", headers=BROWSER)

    return run


def test_after_the_button_the_page_offers_the_preference_centre_and_an_undo(
    press, confirmed, unsubscribe_link, signer
) -> None:
    subject_id = confirmed({"newsletters": True, "surveys": True}, locale="en")
    url = unsubscribe_link(subject_id, "all")
    page = press(url, "unsubscribe").get_data(as_text=True)
    href = page.split('id="preferences-link" href="', 1)[1].split('"', 1)[0]
    assert href.startswith("/preferences/")
    claim = signer.read(Intent.PREFERENCES, href.removeprefix("/preferences/"))
    assert claim.subject_id == uuid.UUID(subject_id)
    undo = form_with(page, "undo")
    assert undo.action == f"{url}/undo"
    assert sorted(value for name, value in undo.fields if name == "purpose") == [
        "newsletters",
        "surveys",
    ]
    assert "csrf_token" in dict(undo.fields)


def test_when_nothing_was_withdrawn_there_is_nothing_to_undo(
    press, confirmed, unsubscribe_link
) -> None:
    url = unsubscribe_link(confirmed({"newsletters": True}))
    press(url, "unsubscribe")
    page = press(url, "unsubscribe").get_data(as_text=True)
    assert 'id="preferences-link"' in page
    assert forms_of(page) == []


def test_the_one_click_answer_has_no_forms_so_it_sets_no_cookie(
    mail_provider, confirmed, unsubscribe_link
) -> None:
    url = unsubscribe_link(confirmed({"newsletters": True}))
    response = mail_provider.post(url, data=ONE_CLICK)
    assert forms_of(response.get_data(as_text=True)) == []
    assert "Set-Cookie" not in response.headers


def test_undo_grants_again_as_a_resubscription_by_the_subject_with_the_clicks_evidence(
    confirmed, unsubscribe_link, unsubscribe_then_undo, statuses, history, outbox, ledger_evidence
) -> None:
    subject_id = confirmed({"newsletters": True, "promotions": True}, locale="en")
    response = unsubscribe_then_undo(unsubscribe_link(subject_id))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "You are subscribed again" in page
    assert translate("en", TITLES["newsletters"]) in page
    assert 'id="preferences-link"' in page
    assert statuses(subject_id) == {"newsletters": "granted", "promotions": "granted"}
    last = history(subject_id)[-1]
    assert (last["purpose"], last["previous_status"], last["status"]) == (
        "newsletters",
        "withdrawn",
        "granted",
    )
    assert (last["source"], last["actor"]) == ("resubscribe", "subject")
    assert ledger_evidence(subject_id)["user_agent"] == BROWSER["User-Agent"]
    key, message = outbox()[-1]
    assert (key, message["source"]) == ("consent.newsletters.granted", "resubscribe")


def test_undo_of_all_gives_back_exactly_what_was_withdrawn(
    confirmed, unsubscribe_link, unsubscribe_then_undo, statuses, history
) -> None:
    subject_id = confirmed({"newsletters": True, "surveys": True, "promotions": False})
    unsubscribe_then_undo(unsubscribe_link(subject_id, "all"))
    assert statuses(subject_id) == {
        "newsletters": "granted",
        "surveys": "granted",
        "promotions": "withdrawn",
    }
    assert [e["source"] for e in history(subject_id)[-2:]] == ["resubscribe", "resubscribe"]


def test_undo_for_an_address_never_confirmed_waits_for_one_confirmation_email(
    sign_up, unsubscribe_link, unsubscribe_then_undo, statuses, confirmation_requests
) -> None:
    subject_id = sign_up({"newsletters": True, "promotions": True}, locale="en")
    asked_before = len(confirmation_requests())
    response = unsubscribe_then_undo(unsubscribe_link(subject_id, "all"))
    page = response.get_data(as_text=True)
    assert "Please confirm your email address" in page
    assert translate("en", TITLES["promotions"]) in page
    assert statuses(subject_id) == {"newsletters": "pending", "promotions": "pending"}
    [request] = confirmation_requests()[asked_before:]
    assert request["purposes"] == ["newsletters", "promotions"]


@pytest.mark.parametrize(
    ("link_purpose", "asked"),
    [
        ("newsletters", ["newsletters", "promotions"]),
        ("newsletters", ["surveys"]),
        ("all", ["newsletters", "personalization"]),
        ("all", ["orders"]),
        ("all", []),
    ],
    ids=["other-purpose-too", "another-purpose", "non-email-purpose", "no-consent", "none"],
)
def test_undo_gives_back_nothing_beyond_what_the_link_could_withdraw(
    client,
    csrf_field,
    confirmed,
    unsubscribe_link,
    mail_provider,
    table_counts,
    link_purpose,
    asked,
) -> None:
    subject_id = confirmed({"newsletters": True, "promotions": True, "personalization": True})
    url = unsubscribe_link(subject_id, link_purpose)
    mail_provider.post(unsubscribe_link(subject_id, "all"), data=ONE_CLICK)
    before = table_counts()
    response = client.post(f"{url}/undo", data={**csrf_field, "purpose": asked})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert table_counts() == before


def test_undo_needs_the_pages_csrf_field_even_with_a_one_click_body(
    mail_provider, confirmed, unsubscribe_link, statuses, table_counts
) -> None:
    subject_id = confirmed({"newsletters": True})
    url = unsubscribe_link(subject_id)
    mail_provider.post(url, data=ONE_CLICK)
    before = table_counts()
    for body in ({"purpose": "newsletters"}, {**ONE_CLICK, "purpose": "newsletters"}):
        assert mail_provider.post(f"{url}/undo", data=body).status_code == 403
    assert table_counts() == before
    assert statuses(subject_id) == {"newsletters": "withdrawn"}


def test_undo_of_what_is_granted_again_already_changes_nothing(
    client, press, submit, confirmed, unsubscribe_link, table_counts
) -> None:
    url = unsubscribe_link(confirmed({"newsletters": True}, locale="en"))
    done = press(url, "unsubscribe")
    submit(url, done, "undo")
    before = table_counts()
    again = submit(url, done, "undo")
    assert again.status_code == 200
    assert "Nothing was changed" in again.get_data(as_text=True)
    assert table_counts() == before


def test_undo_with_an_invalid_token_is_a_400_page(
    client, csrf_field, confirmed, signer, table_counts
) -> None:
    subject_id = uuid.UUID(confirmed({"newsletters": True}))
    before = table_counts()
    for token in (signer.preferences_token(subject_id), signer.confirm_token(subject_id), "x"):
        body = {**csrf_field, "purpose": "newsletters"}
        assert client.post(f"/u/{token}/undo", data=body).status_code == 400
    assert table_counts() == before


def test_undo_for_a_subject_erased_meanwhile_is_a_404_page(
    client, press, submit, confirmed, unsubscribe_link, erase, table_counts
) -> None:
    subject_id = confirmed({"newsletters": True})
    url = unsubscribe_link(subject_id)
    done = press(url, "unsubscribe")
    erase(subject_id)
    before = table_counts()
    assert submit(url, done, "undo").status_code == 404
    assert table_counts() == before


def test_reloading_the_answer_to_an_undo_goes_back_to_the_links_page(
    client, confirmed, unsubscribe_link
) -> None:
    url = unsubscribe_link(confirmed({"newsletters": True}))
    response = client.get(f"{url}/undo?lang=en")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{url}?lang=en"
