"""Every console page works with JavaScript turned off: it is drawn, in Kyrgyz, and its forms
lead on (the tour's stops submit them); and a whole sign-in, from the one-time password to the
users page, needs no script."""

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP
from tests.browser.console.site import sign_in, submit
from tests.browser.console.stops import EVERY_STOP

NEW_PASSWORD = "chosen without any script"


@pytest.mark.parametrize("stop", EVERY_STOP, ids=[stop.name for stop in EVERY_STOP])
def test_console_page_works_without_javascript(open_page, console, screenshot, stop) -> None:
    page = open_page(DESKTOP, javascript=False)
    stop.visit(page, console)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ky")
    screenshot(page)


def test_a_first_sign_in_and_adding_someone_need_no_script(open_page, console) -> None:
    page = open_page(DESKTOP, javascript=False, locale="en")
    sign_in(page, console, console.new_person("admin"))
    expect(page).to_have_url(console.url("/console/password"))
    page.locator("#new_password").fill(NEW_PASSWORD)
    page.locator("#repeat_password").fill(NEW_PASSWORD)
    submit(page, "#save-password")

    page.goto(console.url("/console/users"))
    page.locator("#new-email").fill("no-script@ala-too.example.kg")
    page.locator("#new-role-marketing").check()
    submit(page, "#add-user")
    expect(page.locator("#one-time-password")).to_be_visible()
