"""The requests desk in a real browser: a deletion in the preference centre appears on
the desk as a fulfilled erasure request with its due day; a refusal is closed with its reason.
Its pages join the accessibility check and the no-JavaScript pass through stops.py."""

from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP
from tests.browser.console.requests_tour import officer, recorded
from tests.browser.console.site import submit


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
