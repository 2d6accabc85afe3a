"""The audit and suppressions pages in a real browser: a privacy officer verifies the ledger
and sees the outcome; looks up a bounced address and lifts it; finds that an erased person's
address cannot be lifted. Their pages join the accessibility check and the no-JavaScript pass
through stops.py."""

from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP
from tests.browser.console.audit_tour import bounced, erased, look_up, officer
from tests.browser.console.site import submit


def test_a_privacy_officer_verifies_the_ledger_and_sees_the_outcome(open_page, console) -> None:
    page = open_page(DESKTOP, locale="en")
    officer(page, console)
    with page.expect_navigation():
        page.get_by_role("link", name="Audit", exact=True).click()

    submit(page, "#verify-now")

    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#verdict")).to_have_text(
        "The ledger verifies: nothing was edited, removed or reordered."
    )
    expect(page.locator("#verified-by")).to_have_text("Айгерим Купуялуулук")
    expect(page.locator("#verified-entries")).not_to_have_text("0")
    expect(page.locator("#console-log")).to_have_count(0)


def test_a_privacy_officer_lifts_a_bounce_with_a_reason(open_page, console) -> None:
    email = bounced(console)
    page = open_page(DESKTOP, locale="en")
    officer(page, console)

    look_up(page, console, email.upper())
    expect(page.locator("#found-hard_bounce")).to_contain_text("Hard bounce")
    page.locator("#why-hard_bounce").fill("The customer wrote that the mailbox works again.")
    submit(page, "#lift-hard_bounce")

    expect(page.locator("#done")).to_be_visible()
    assert email not in page.url
    look_up(page, console, email)
    expect(page.locator("#not-suppressed")).to_be_visible()


def test_an_erased_persons_suppression_cannot_be_lifted(open_page, console) -> None:
    email = erased(console)
    page = open_page(DESKTOP, locale="en")
    officer(page, console)

    look_up(page, console, email)

    expect(page.locator("#found-erased")).to_contain_text("Erased")
    expect(page.locator("#not-liftable-erased")).to_contain_text(
        "An erasure's suppression cannot be lifted here."
    )
    expect(page.locator("#found-erased form")).to_have_count(0)
