"""The preview as a chosen person in Chromium: the GET form on the campaign's page, the
person's name and language in the sandboxed frames, stand-in links, the refusal next to the
field, axe-core on each state in Kyrgyz and English, and the same without JavaScript."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.console.desk import create_campaign
from tests.browser.console.site import sign_in, submit
from tests.browser.test_accessibility import BLOCKING, describe
from tests.factories import consent_body

axe = Axe()


def _accessible(page: Page) -> None:
    violations = axe.run(page).response["violations"]
    blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)


def _person(console, name: str) -> str:
    body = consent_body(purposes={"promotions": True})
    body["subject"] |= {"locale": "ru", "name": name}
    status, answer = console.site.stack.call("POST", "/v1/consents", body)
    assert status == 201, answer
    return body["subject"]["email"]


@pytest.mark.parametrize("locale", ["ky", "en"])
def test_an_administrator_previews_the_campaign_as_a_chosen_person(
    open_page, console, screenshot, locale
) -> None:
    address = _person(console, "Айдай Касымова")
    page: Page = open_page(locale=locale)
    sign_in(page, console, console.ready_person("admin", "Nurlan"))
    campaign = create_campaign(page, console, f"Preview as a person ({locale})")
    page.goto(campaign)

    page.locator("#preview-as").fill(address.upper())
    submit(page, "#preview-as-show")

    expect(page.locator("#preview-person-title")).to_contain_text("Айдай Касымова")
    expect(page.locator("#preview-person-links")).to_be_visible()
    frame = page.frame_locator("#preview-person-html")
    expect(frame.locator("h1")).to_have_text("Здравствуйте, Айдай Касымова!")
    expect(frame.locator("a", has_text="Отписаться").first).to_have_attribute(
        "href", console.url("/u/preview")
    )
    expect(page.frame_locator("#preview-person-text").locator("body")).to_contain_text(
        "Здравствуйте, Айдай Касымова!"
    )
    _accessible(page)
    screenshot(page, f"preview-as-person-{locale}")

    page.locator("#preview-as").fill("nobody-at-all@example.kg")
    submit(page, "#preview-as-show")

    expect(page.locator("#preview-as-error")).to_be_visible()
    expect(page.locator("#preview-as")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#preview-person-title")).to_have_count(0)
    _accessible(page)


def test_the_preview_as_a_person_works_without_javascript(open_page, console) -> None:
    address = _person(console, "Бакыт Осмонов")
    page: Page = open_page(locale="en", javascript=False)
    sign_in(page, console, console.ready_person("admin"))
    campaign = create_campaign(page, console, "Preview without JavaScript")
    page.goto(campaign)

    page.locator("#preview-as").fill(address)
    page.locator("#preview-as-locale").select_option("ky")
    submit(page, "#preview-as-show")

    expect(page.locator("#preview-person-title")).to_contain_text("Бакыт Осмонов")
    expect(page.frame_locator("#preview-person-html").locator("h1")).to_have_text(
        "Саламатсызбы, Бакыт Осмонов!"
    )


def test_marketing_has_no_field_to_look_people_up(open_page, console) -> None:
    page: Page = open_page(locale="en")
    sign_in(page, console, console.ready_person("sender"))
    campaign = create_campaign(page, console, "No look-ups for marketing")

    page.goto(campaign)

    expect(page.frame_locator("#preview-ky-html").locator("h1")).to_be_visible()
    expect(page.locator("#preview-as")).to_have_count(0)
