"""Global Privacy Control in a real browser (decision 0039): the preference centre notes the
signal, keeps the person's email choices as they are, and shows the signal in the history."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from consent_service.translations import translate
from tests.browser.site import PublicSite
from tests.browser.test_accessibility import BLOCKING, describe
from tests.browser.tour import submit

GPC = {"Sec-GPC": "1"}
NOTE = (
    "Your browser sent the Global Privacy Control signal. We received it and honour it: we "
    "do not sell your data and do not share it with other companies for their own purposes. "
    "The signal does not change your email choices below: only you change those."
)
MARK = "Your browser's Global Privacy Control signal came with this change."
axe = Axe()


def no_blocking_violations(page: Page) -> None:
    violations = axe.run(page).response["violations"]
    blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)


def history_of(site: PublicSite, subject_id: str) -> list[dict]:
    status, answer = site.stack.call("GET", f"/v1/subjects/{subject_id}/history")
    assert status == 200, answer
    return answer["entries"]


@pytest.mark.parametrize("locale", ["ky", "en"])
def test_the_centre_notes_the_signal_keeps_the_choices_and_shows_it_in_the_history(
    open_page, site, screenshot, locale
) -> None:
    subject_id = site.sign_up({"promotions": True, "surveys": False}, locale=locale)
    page = open_page(locale=locale, headers=GPC)
    page.goto(site.preferences_url(subject_id))

    note = page.locator("#gpc-note")
    expect(note).to_have_text(translate(locale, NOTE))
    expect(page.locator("#purpose-promotions")).to_be_checked()
    expect(page.locator("#purpose-surveys")).not_to_be_checked()
    assert site.statuses(subject_id) == {"promotions": "granted", "surveys": "withdrawn"}

    page.locator("#purpose-surveys").check()
    assert submit(page, page.locator("button#save")).ok
    expect(page.locator(".success")).to_be_visible()
    expect(note).to_be_visible()
    marked = page.locator("#history li", has_text=translate(locale, MARK))
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text(translate(locale, "Customer surveys"))
    screenshot(page)
    no_blocking_violations(page)

    assert site.statuses(subject_id) == {"promotions": "granted", "surveys": "granted"}
    assert [(e["purpose"], e["gpc"]) for e in history_of(site, subject_id)] == [
        ("promotions", False),
        ("surveys", False),
        ("surveys", True),
    ]


def test_without_the_signal_there_is_no_note(open_page, site) -> None:
    subject_id = site.sign_up({"promotions": True}, locale="en")
    page = open_page(locale="en")
    page.goto(site.preferences_url(subject_id))
    expect(page.locator("#history li")).to_have_count(1)
    expect(page.locator("#gpc-note")).to_have_count(0)
    expect(page.get_by_text(MARK)).to_have_count(0)
