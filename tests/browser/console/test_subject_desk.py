"""The privacy desk's person pages in a real browser, on the real registry, relay and mailer:
support finds a person by address, sees the timeline, corrects the address and
withdraws a purpose the person asked to withdraw; privacy
erases with the confirmation step and the person is gone."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP
from tests.browser.console.site import WITH_MAILER, ConsoleSite, running_console, submit
from tests.browser.console.subjects_tour import (
    find,
    known_person,
    privacy,
    support,
)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleSite]:
    """The console with the relay and the mailer running, so a person's emails are shown."""
    with running_console(tmp_path_factory.mktemp("desk"), WITH_MAILER) as running:
        yield running


def test_support_finds_a_person_sees_the_timeline_and_corrects_the_address(
    open_page, console
) -> None:
    email = known_person(console)
    page = open_page(DESKTOP, locale="en")
    support(page, console)

    find(page, console, email.upper())

    expect(page.locator("h1")).to_have_text(email)
    expect(page.locator("#chain-ok")).to_be_visible()
    expect(page.locator('#consents tr[data-purpose="promotions"]')).to_contain_text("Withdrawn")
    expect(page.locator("#timeline tbody tr").first).to_contain_text("preference_center")
    expect(page.locator("#action-erase")).to_have_count(0)
    expect(page.locator("#action-export")).to_have_count(0)

    page.locator("#action-rectify").click()
    new = "new." + email
    page.locator("#email").fill(new)
    page.locator("#reason").fill("Asked by phone; checked the order number.")
    expect(page.locator("#confirm")).to_have_attribute("required", "")  # the server checks too
    page.locator("#confirm").check()
    submit(page, "#confirm-action")

    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("h1")).to_have_text(new)
    expect(page.locator("#timeline tbody tr").first).to_contain_text("subject")

    page.locator("#withdraw-personalization").click()
    page.locator("#reason").fill("Called: no more personal offers.")
    page.locator("#confirm").check()
    submit(page, "#confirm-action")

    expect(page.locator("#done")).to_be_visible()
    row = page.locator('#consents tr[data-purpose="personalization"]')
    expect(row).to_contain_text("Withdrawn")
    expect(page.locator("#timeline tbody tr").first).to_contain_text("console:")


def test_privacy_erases_with_the_confirmation_step_and_the_person_is_gone(
    open_page, console
) -> None:
    email = known_person(console)
    page = open_page(DESKTOP, locale="en")
    privacy(page, console)
    find(page, console, email)
    address = page.url

    page.locator("#action-erase").click()
    page.locator("#reason").fill("Wrote to the shop asking to be deleted.")
    page.locator("#confirm").check()
    submit(page, "#confirm-action")

    expect(page.locator("#done")).to_be_visible()
    find(page, console, email)
    expect(page.locator("#nobody")).to_be_visible()
    answer = page.goto(address)
    assert answer is not None and answer.status == 404
