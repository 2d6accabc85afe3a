"""The console speaks as the public pages do (`?lang=`, the cookie, Accept-Language, Kyrgyz by
default), and remembers a signed-in person's choice with their account, so that it follows
them to another browser."""

import re

from consent_service.translations import translate
from tests.console.conftest import Browser, signed_in


def lang_of(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True))[1]


def test_kyrgyz_by_default_and_the_browsers_language_otherwise(app) -> None:
    plain = app.test_client()
    assert lang_of(plain.get("/console/login")) == "ky"
    page = plain.get("/console/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert lang_of(page) == "ru"
    assert translate("ru", "Sign in to the console") in page.get_data(as_text=True)


def test_a_persons_choice_follows_them_to_another_browser(app, browser, person) -> None:
    who = person("support")
    at_work = signed_in(browser(), who)
    assert lang_of(at_work.get("/console/")) == "en"  # their browser asks for English

    chosen = at_work.get("/console/?lang=ru")
    assert lang_of(chosen) == "ru"
    assert "lang=ru" in chosen.headers.get("Set-Cookie", "")

    at_home = signed_in(browser(), who)  # no cookie there, and an English browser
    assert lang_of(at_home.get("/console/")) == "ru"
    assert lang_of(at_home.get("/console/?lang=ky")) == "ky"
    assert lang_of(signed_in(Browser(app.test_client()), who).get("/console/")) == "ky"
