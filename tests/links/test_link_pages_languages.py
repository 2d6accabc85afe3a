"""Every link page speaks Kyrgyz, Russian and English, chosen as SPEC section 5 says.

`?lang=`, then the language cookie, then the stored locale of the person the token names,
then `Accept-Language`. Each page is checked for its translated title from the catalogue,
the purpose titles it lists, and the `lang` attribute of the document.
"""

import html
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from werkzeug.test import TestResponse

from consent_service.domain.purpose_texts import TITLES
from consent_service.faces.languages import LANGUAGE_COOKIE
from consent_service.translations import translate
from plumbing.tokens import CONFIRM_MAX_AGE
from tests.links.conftest import ONE_CLICK

LOCALES = ("ky", "ru", "en")
OTHER = {"ky": "ru", "ru": "en", "en": "ky"}

TITLE = {
    "confirm-ask": "Confirm your subscription",
    "confirm-done": "Thank you, your subscription is confirmed",
    "confirm-used": "Your subscription is confirmed",
    "confirm-used-withdrawn-since": "This link has already been used",
    "confirm-expired": "This link has expired",
    "confirm-resent": "Check your inbox",
    "unsubscribe-ask": "Unsubscribe",
    "unsubscribe-done": "You are unsubscribed",
    "unsubscribe-one-click": "You are unsubscribed",
    "undo-done": "You are subscribed again",
    "preferences-link-sent": "Check your inbox",
}
"""Each page with a subject, by the message id of its title."""
LISTS_NO_PURPOSE = {"confirm-used-withdrawn-since", "preferences-link-sent"}


@pytest.fixture
def open_page(
    client, writer, mail_provider, press, submit, sign_up, confirmed, signer, minted_ago
) -> Callable[..., TestResponse]:
    """Reach `page` for a new subject whose stored locale is `stored`; `request` goes along."""

    def confirm_url(subject_id: str, age: timedelta = timedelta(0)) -> str:
        token = minted_ago(age, lambda: signer.confirm_token(uuid.UUID(subject_id)))
        return f"/confirm/{token}"

    def reach(page: str, stored: str, **request) -> TestResponse:
        if page.startswith("confirm"):
            subject_id = sign_up({"newsletters": True}, locale=stored)
            url = confirm_url(subject_id)
            if page == "confirm-ask":
                return client.get(url, **request)
            if page == "confirm-done":
                return press(url, "confirm", **request)
            if page.startswith("confirm-used"):
                press(url, "confirm")
                if page == "confirm-used-withdrawn-since":
                    withdrawn = {"status": "withdrawn", "source": "admin"}
                    consent = f"/v1/subjects/{subject_id}/consents/newsletters"
                    assert client.put(consent, json=withdrawn, headers=writer).status_code == 200
                return client.get(url, **request)
            expired = confirm_url(subject_id, CONFIRM_MAX_AGE + timedelta(days=1))
            if page == "confirm-expired":
                return client.get(expired, **request)
            return press(expired, "resend", **request)
        subject_id = confirmed({"newsletters": True}, locale=stored)
        url = f"/u/{signer.unsubscribe_token(uuid.UUID(subject_id), 'newsletters')}"
        if page == "unsubscribe-ask":
            return client.get(url, **request)
        if page == "unsubscribe-one-click":
            return mail_provider.post(url, data=ONE_CLICK, **request)
        done = press(url, "unsubscribe", **request)
        if page == "unsubscribe-done":
            return done
        if page == "preferences-link-sent":
            return submit(url, done, "email-preferences-link", **request)
        return submit(url, done, "undo", **request)

    return reach


def speaks(response: TestResponse, locale: str, title: str) -> None:
    """The page is in `locale`: its lang attribute, its title, its purpose's title."""
    assert response.status_code < 500
    page = html.unescape(response.get_data(as_text=True))
    assert f'<html lang="{locale}">' in page
    translated = translate(locale, title)
    if locale != "en":
        assert translated != title, f"{title!r} has no {locale} translation"
    assert f"<h1>{translated}</h1>" in page


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("page", list(TITLE))
def test_lang_in_the_query_chooses_the_language_over_the_stored_one(
    open_page, page: str, locale: str
) -> None:
    response = open_page(page, OTHER[locale], query_string={"lang": locale})
    speaks(response, locale, TITLE[page])
    if page not in LISTS_NO_PURPOSE:
        page_text = html.unescape(response.get_data(as_text=True))
        assert translate(locale, TITLES["newsletters"]) in page_text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("page", list(TITLE))
def test_the_stored_locale_wins_over_accept_language(open_page, page: str, locale: str) -> None:
    response = open_page(page, locale, headers={"Accept-Language": f"{OTHER[locale]},en;q=0.1"})
    speaks(response, locale, TITLE[page])


@pytest.mark.parametrize("locale", LOCALES)
def test_the_language_cookie_wins_over_the_stored_locale(client, open_page, locale: str) -> None:
    client.set_cookie(LANGUAGE_COOKIE, locale)
    speaks(open_page("unsubscribe-ask", OTHER[locale]), locale, TITLE["unsubscribe-ask"])
    speaks(open_page("confirm-done", OTHER[locale]), locale, TITLE["confirm-done"])


def test_lang_in_the_query_wins_over_the_cookie(client, open_page) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "ru")
    response = open_page("unsubscribe-ask", "ky", query_string={"lang": "en"})
    speaks(response, "en", TITLE["unsubscribe-ask"])


def test_a_language_chosen_by_query_is_kept_by_the_forms_post(
    client, submit, sign_up, confirm_link
) -> None:
    url = confirm_link(sign_up({"newsletters": True}, locale="ky"))
    page = client.get(url, query_string={"lang": "ru"})
    speaks(submit(url, page, "confirm"), "ru", TITLE["confirm-done"])


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("how", ["query", "accept-language"])
def test_the_invalid_link_page_speaks_the_visitors_language(client, locale: str, how: str) -> None:
    request = (
        {"query_string": {"lang": locale}}
        if how == "query"
        else {"headers": {"Accept-Language": f"{locale},en;q=0.1"}}
    )
    for path in ("/confirm/damaged", "/u/damaged"):
        response = client.get(path, **request)
        assert response.status_code == 400
        speaks(response, locale, "This link is not valid")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_refused_form_page_speaks_the_visitors_language(
    mail_provider, sign_up, confirm_link, locale: str
) -> None:
    url = confirm_link(sign_up())
    response = mail_provider.post(url, headers={"Accept-Language": locale})
    assert response.status_code == 403
    speaks(response, locale, "This form has expired")


def test_kyrgyz_is_the_default_for_a_visitor_who_states_nothing(client) -> None:
    speaks(client.get("/u/damaged"), "ky", "This link is not valid")
