"""Double opt-in: the confirmation link's page, its button, and an expired link."""

import pytest
from playwright.sync_api import expect

from tests.browser.tour import EXPIRED, newcomer, press_confirm, submit


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_confirm_button_grants_the_pending_purposes(
    open_page, site, screenshot, javascript
) -> None:
    subject_id = newcomer(site, "ky")
    page = open_page(javascript=javascript)
    page.goto(site.confirm_url(subject_id))
    assert site.statuses(subject_id)["newsletters"] == "pending", "the GET changed something"

    assert press_confirm(page).status == 200
    screenshot(page)
    assert site.statuses(subject_id)["newsletters"] == "granted"


def test_expired_confirm_link_offers_to_send_a_new_one(phone, site, screenshot) -> None:
    subject_id = newcomer(site, "ky")
    response = phone.goto(site.confirm_url(subject_id, age=EXPIRED))
    assert response is not None
    assert 400 <= response.status < 500
    resend = phone.locator("button#resend")
    expect(resend).to_be_visible()
    screenshot(phone)

    assert submit(phone, resend).ok
    screenshot(phone, "sent")
    assert site.statuses(subject_id)["newsletters"] == "pending"
