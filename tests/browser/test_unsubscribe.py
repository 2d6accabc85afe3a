"""Unsubscribing from an email's link by pressing the page's button, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.tour import UNSUBSCRIBE_BUTTON, press_unsubscribe, submit, subscriber


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_pressing_unsubscribe_withdraws_the_purpose_and_says_so(
    open_page, site, screenshot, javascript
) -> None:
    subject_id = subscriber(site, "en")
    page = open_page(javascript=javascript)
    page.goto(site.unsubscribe_url(subject_id, "promotions"))
    expect(page.locator(UNSUBSCRIBE_BUTTON).first).to_be_visible()
    assert site.statuses(subject_id)["promotions"] == "granted", "the GET changed something"

    assert press_unsubscribe(page).status == 200
    expect(page.locator("h1")).to_have_text(re.compile("unsubscribed", re.IGNORECASE))
    expect(page.locator("#preferences-link")).to_be_visible()
    screenshot(page)
    assert site.statuses(subject_id) == {
        "promotions": "withdrawn",
        "surveys": "granted",
        "personalization": "withdrawn",
    }


def test_undo_after_unsubscribing_grants_the_purpose_again(phone, site, screenshot) -> None:
    subject_id = subscriber(site, "ky")
    phone.goto(site.unsubscribe_url(subject_id, "promotions"))
    press_unsubscribe(phone)
    assert site.statuses(subject_id)["promotions"] == "withdrawn"

    assert submit(phone, phone.locator("#undo")).ok
    screenshot(phone)
    assert site.statuses(subject_id)["promotions"] == "granted"
