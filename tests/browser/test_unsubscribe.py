"""Unsubscribing from an email's link by pressing the page's button, in a real browser; the
way from there to the preference centre goes through the person's mailbox."""

import email
import email.policy
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.site import PublicSite
from tests.browser.tour import (
    EMAIL_PREFERENCES_LINK,
    UNSUBSCRIBE_BUTTON,
    press_unsubscribe,
    submit,
    subscriber,
)
from tests.stack import wait_until


def preference_links_sent(site: PublicSite, subject_id: str) -> list[str]:
    """The preference-centre links in the `.eml` files the mailer wrote for this person."""
    outbox = Path(site.stack.environ["CONSENT_INSTANCE_DIR"]) / "outbox"
    links = []
    for path in sorted(outbox.glob(f"preferences_{subject_id}_*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",)).get_content()
        links.extend(re.findall(rf"{re.escape(site.base)}/preferences/\S+", text))
    return links


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
    expect(page.locator(EMAIL_PREFERENCES_LINK)).to_be_visible()
    expect(page.locator("a[href*='/preferences/']")).to_have_count(0)
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


def test_the_preference_centre_is_reached_through_a_link_sent_by_email(
    phone, site, screenshot
) -> None:
    subject_id = subscriber(site, "ru")
    phone.goto(site.unsubscribe_url(subject_id, "promotions"))
    press_unsubscribe(phone)

    assert submit(phone, phone.locator(EMAIL_PREFERENCES_LINK)).ok
    expect(phone.locator("h1")).to_have_text("Проверьте свою почту")
    expect(phone.locator("a[href*='/preferences/']")).to_have_count(0)
    screenshot(phone, "answer")
    assert wait_until(lambda: preference_links_sent(site, subject_id), 30), "no email came"
    [link] = preference_links_sent(site, subject_id)

    phone.goto(link)
    expect(phone.locator("form#preferences-form")).to_be_visible()
    expect(phone.locator("#purpose-promotions")).not_to_be_checked()
    screenshot(phone, "centre")
