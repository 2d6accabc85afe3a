"""The requests desk in a real browser: axe-core finds no serious or critical violation in
Kyrgyz and English, on a laptop and a phone; a deletion in the preference centre appears on
the desk as a fulfilled erasure request with its due day; a refusal is closed with its reason.
The pages' no-JavaScript pass is in test_without_javascript.py."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.console.requests_tour import REQUEST_STOPS, officer, recorded
from tests.browser.console.site import submit
from tests.browser.test_accessibility import BLOCKING, describe

axe = Axe()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("locale", ["ky", "en"])
@pytest.mark.parametrize("stop", REQUEST_STOPS, ids=[stop.name for stop in REQUEST_STOPS])
def test_request_page_has_no_serious_accessibility_violations(
    open_page, console, screenshot, stop, locale, viewport
) -> None:
    page = open_page(viewport, locale=locale)
    stop.visit(page, console)
    assert page.locator("html").get_attribute("lang") == locale
    screenshot(page)

    violations = axe.run(page).response["violations"]
    blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)


def test_a_deletion_in_the_preference_centre_appears_fulfilled_with_its_due_day(
    open_page, console
) -> None:
    """(The console's stack runs no mailer, so the centre's download, which waits for the
    mailer's part, is covered over HTTP in tests/web/test_preferences_data.py.)"""
    site = console.site
    subject_id = site.sign_up({"promotions": True}, locale="en")
    person = open_page(DESKTOP, locale="en")
    person.goto(site.preferences_url(subject_id))
    submit(person, "a#delete")
    submit(person, "button#confirm-delete")

    page = open_page(DESKTOP, locale="en")
    officer(page, console)
    page.goto(console.url("/console/requests?show=closed"))

    row = page.locator("#requests tbody tr", has_text="Erasure").first
    expect(row).to_contain_text("Preference centre")
    expect(row).to_contain_text("Fulfilled")
    row.get_by_role("link").click()
    expect(page.locator("#request-person")).to_contain_text(subject_id)
    expect(page.locator("#request-due")).not_to_have_text("—")


def test_privacy_staff_close_a_refusal_with_its_reason(open_page, console) -> None:
    page = open_page(DESKTOP, locale="en")
    recorded(page, console)
    expect(page.locator("#request-person")).to_contain_text("kat.jazuuchu@example.kg")

    page.locator("#outcome-refused").check()
    page.locator("#reason").fill("We hold no data about this address.")
    submit(page, "#close-request")

    expect(page.locator("#request-state")).to_have_text("Refused")
    expect(page.locator("#request-reason")).to_have_text("We hold no data about this address.")
    expect(page.locator("#request-person")).not_to_contain_text("kat.jazuuchu")
