"""The preference centre: switches that persist and reach the mailer, language, download, delete."""

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.site import PublicSite
from tests.browser.tour import submit
from tests.stack import wait_until


def open_centre(page: Page, site: PublicSite, subject_id: str) -> None:
    page.goto(site.preferences_url(subject_id))
    expect(page.locator("form#preferences-form")).to_be_visible()


def save(page: Page) -> None:
    assert submit(page, page.locator("button#save")).ok
    assert "saved=1" in page.url
    expect(page.locator(".success")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_switches_persist_and_reach_the_mailer(open_page, site, screenshot, javascript) -> None:
    subject_id = site.sign_up({"promotions": True, "surveys": False})
    page = open_page(javascript=javascript)
    open_centre(page, site, subject_id)
    promotions, surveys = page.locator("#purpose-promotions"), page.locator("#purpose-surveys")
    expect(promotions).to_be_checked()
    expect(surveys).not_to_be_checked()

    promotions.uncheck()
    surveys.check()
    save(page)
    screenshot(page)

    page.reload()
    expect(promotions).not_to_be_checked()
    expect(surveys).to_be_checked()
    statuses = site.statuses(subject_id)
    assert (statuses["promotions"], statuses["surveys"]) == ("withdrawn", "granted")

    def mailer_agrees() -> bool:
        seen = site.mailer_statuses(subject_id)
        return (seen.get("promotions"), seen.get("surveys")) == ("withdrawn", "granted")

    assert wait_until(mailer_agrees, 30), f"the mailer shows {site.mailer_statuses(subject_id)}"


def test_every_purpose_has_a_labelled_switch(page, site) -> None:
    open_centre(page, site, site.sign_up({"promotions": True}))
    for purpose in ("newsletters", "promotions", "surveys", "personalization"):
        switch = page.locator(f'input[name="purpose"][value="{purpose}"]')
        expect(switch).to_have_id(f"purpose-{purpose}")
        expect(page.locator(f'label[for="purpose-{purpose}"]')).not_to_be_empty()


def test_language_choice_is_stored_on_the_person(page, site, screenshot) -> None:
    subject_id = site.sign_up({"promotions": True}, locale="ky")
    open_centre(page, site, subject_id)
    page.locator("select#locale").select_option("ru")
    save(page)
    screenshot(page)
    assert site.subject(subject_id)["locale"] == "ru"


def test_download_gives_my_data_as_json(page, site) -> None:
    subject_id = site.sign_up({"promotions": True})
    open_centre(page, site, subject_id)
    with page.expect_download() as download:
        page.locator("button#download").click()
    data = json.loads(download.value.path().read_text())
    assert subject_id in json.dumps(data)


def test_delete_asks_for_confirmation_before_anything_happens(phone, site, screenshot) -> None:
    subject_id = site.sign_up({"promotions": True})
    open_centre(phone, site, subject_id)
    before = site.statuses(subject_id)
    submit(phone, phone.locator("a#delete"))
    expect(phone.locator("button#confirm-delete")).to_be_visible()
    screenshot(phone)
    assert site.statuses(subject_id) == before
