"""After unsubscribing: an undo of exactly what this link withdrew a moment ago, nothing more.

The link may be held by someone other than the person (a mail provider, whoever the email
was forwarded to), so its undo gives back only the withdrawal its own button made, within
`UNDO_WINDOW`, and never a withdrawal made another way or changed since (decision 0017).
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from consent_service.adapters import orm
from consent_service.domain.purpose_texts import TITLES
from consent_service.services.links import UNDO_WINDOW
from consent_service.translations import translate
from consent_service.web import links as link_pages
from tests.links.conftest import ONE_CLICK, form_with, forms_of

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chromium/130"}


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """No per-client rate limit: the generated undo forms come from one test client."""
    return environ | {"PUBLIC_RATE_LIMIT": "0"}


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


@pytest.fixture
def later(monkeypatch):
    """Make the link pages see the clock `delay` ahead, as a request that comes that late."""

    def shift(delay: timedelta) -> None:
        monkeypatch.setattr(link_pages, "now", lambda: datetime.now(UTC) + delay)

    return shift


@pytest.fixture
def set_by(client, writer):
    """Set a consent through the API, as the shop does for a person on the phone."""

    def put(subject_id: str, purpose: str, status: str, source: str = "admin") -> None:
        body = {"status": status, "source": source}
        path = f"/v1/subjects/{subject_id}/consents/{purpose}"
        assert client.put(path, json=body, headers=writer).status_code == 200

    return put


def test_after_the_button_the_page_offers_an_undo_and_a_preference_link_by_email(
    press, confirmed, unsubscribe_link
) -> None:
    subject_id = confirmed({"newsletters": True, "surveys": True}, locale="en")
    url = unsubscribe_link(subject_id, "all")
    page = press(url, "unsubscribe").get_data(as_text=True)
    undo = form_with(page, "undo")
    assert undo.action == f"{url}/undo"
    assert [name for name, _value in undo.fields] == ["csrf_token"]
    assert "within 10 minutes" in page
    by_email = form_with(page, "email-preferences-link")
    assert by_email.action == f"{url}/preferences-link"
    assert [name for name, _value in by_email.fields] == ["csrf_token"]
    assert "/preferences/" not in page


def test_when_nothing_was_withdrawn_there_is_nothing_to_undo(
    press, confirmed, unsubscribe_link
) -> None:
    url = unsubscribe_link(confirmed({"newsletters": True}))
    press(url, "unsubscribe")
    page = press(url, "unsubscribe").get_data(as_text=True)
    assert [form.buttons for form in forms_of(page)] == [["email-preferences-link"]]


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
    assert "/preferences/" not in page
    assert form_with(page, "email-preferences-link").action.endswith("/preferences-link")
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


def test_undo_never_gives_back_a_withdrawal_made_before_the_link_was_used(
    client, csrf_field, press, confirmed, unsubscribe_link, set_by, statuses, table_counts
) -> None:
    """Withdrawn by phone, then the link's button: it changed nothing, so it undoes nothing."""
    subject_id = confirmed({"newsletters": True}, locale="en")
    set_by(subject_id, "newsletters", "withdrawn")
    url = unsubscribe_link(subject_id)
    assert "undo" not in str([f.buttons for f in forms_of(press(url, "unsubscribe").text)])
    before = table_counts()
    response = client.post(f"{url}/undo", data={**csrf_field, "purpose": "newsletters"})
    assert response.status_code == 200
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert "in the last 10 minutes" in response.get_data(as_text=True)
    assert statuses(subject_id) == {"newsletters": "withdrawn"}
    assert table_counts() == before


def test_undo_of_all_leaves_what_another_channel_had_withdrawn(
    confirmed, unsubscribe_link, unsubscribe_then_undo, set_by, statuses
) -> None:
    subject_id = confirmed({"newsletters": True, "promotions": True})
    set_by(subject_id, "newsletters", "withdrawn", source="order")
    unsubscribe_then_undo(unsubscribe_link(subject_id, "all"))
    assert statuses(subject_id) == {"newsletters": "withdrawn", "promotions": "granted"}


def test_undo_changes_nothing_once_another_source_changed_the_purpose_since(
    press, submit, confirmed, unsubscribe_link, set_by, statuses, table_counts
) -> None:
    subject_id = confirmed({"newsletters": True}, locale="en")
    url = unsubscribe_link(subject_id)
    done = press(url, "unsubscribe")
    set_by(subject_id, "newsletters", "granted")
    set_by(subject_id, "newsletters", "withdrawn", source="preference_center")
    before = table_counts()
    response = submit(url, done, "undo")
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert statuses(subject_id) == {"newsletters": "withdrawn"}
    assert table_counts() == before


def test_undo_by_another_link_of_the_same_purpose_changes_nothing(
    client, csrf_field, press, confirmed, signer, minted_ago, statuses, table_counts
) -> None:
    """Two campaign emails carry two links; the undo belongs to the one that was pressed."""
    subject_id = confirmed({"newsletters": True})
    mint = lambda: signer.unsubscribe_token(uuid.UUID(subject_id), "newsletters")  # noqa: E731
    older, newer = minted_ago(timedelta(days=7), mint), mint()
    press(f"/u/{older}", "unsubscribe")
    before = table_counts()
    undo = {**csrf_field, "purpose": "newsletters"}
    assert client.post(f"/u/{newer}/undo", data=undo).status_code == 200
    assert statuses(subject_id) == {"newsletters": "withdrawn"}
    assert table_counts() == before


def test_undo_by_the_links_own_one_click_is_not_offered_and_changes_nothing(
    client, csrf_field, mail_provider, confirmed, unsubscribe_link, statuses, table_counts
) -> None:
    """One-click comes from a mail provider, not from the person on our page."""
    subject_id = confirmed({"newsletters": True})
    url = unsubscribe_link(subject_id)
    mail_provider.post(url, data=ONE_CLICK)
    before = table_counts()
    client.post(f"{url}/undo", data={**csrf_field, "purpose": "newsletters"})
    assert statuses(subject_id) == {"newsletters": "withdrawn"}
    assert table_counts() == before


@pytest.mark.parametrize(
    ("delay", "status"),
    [
        (UNDO_WINDOW - timedelta(minutes=1), "granted"),
        (UNDO_WINDOW + timedelta(seconds=1), "withdrawn"),
        (timedelta(days=30), "withdrawn"),
    ],
    ids=["just-inside", "just-after", "a-month-later"],
)
def test_undo_works_only_within_the_window(
    press, submit, confirmed, unsubscribe_link, later, statuses, delay, status
) -> None:
    subject_id = confirmed({"newsletters": True}, locale="en")
    url = unsubscribe_link(subject_id)
    done = press(url, "unsubscribe")
    later(delay)
    response = submit(url, done, "undo")
    assert response.status_code == 200
    assert statuses(subject_id) == {"newsletters": status}
    if status == "withdrawn":
        assert "Nothing was changed" in response.get_data(as_text=True)


FIELD = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    extra=st.lists(
        st.tuples(st.sampled_from(["purpose", "purposes", "status", "source"]) | FIELD, FIELD)
        | st.tuples(st.just("purpose"), st.sampled_from(sorted(TITLES))),
        max_size=6,
    )
)
def test_fields_added_to_the_undo_form_never_give_back_more_than_the_link_withdrew(
    client, press, confirmed, unsubscribe_link, set_by, statuses, extra
) -> None:
    subject_id = confirmed({"newsletters": True, "promotions": True, "surveys": True})
    set_by(subject_id, "surveys", "withdrawn")
    url = unsubscribe_link(subject_id, "promotions")
    page = press(url, "unsubscribe").get_data(as_text=True)
    fields = form_with(page, "undo").fields
    response = client.post(f"{url}/undo", data=MultiDict([*fields, *extra]))
    assert response.status_code < 500
    assert statuses(subject_id) == {
        "newsletters": "granted",
        "promotions": "granted",
        "surveys": "withdrawn",
    }


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
        assert client.post(f"/u/{token}/undo", data=csrf_field).status_code == 400
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
