"""Every public page, its forms included, works in a browser with JavaScript turned off."""

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import PHONE
from tests.browser.tour import TOUR


@pytest.mark.parametrize("stop", TOUR, ids=[stop.name for stop in TOUR])
def test_page_works_without_javascript(open_page, site, screenshot, stop) -> None:
    page = open_page(PHONE, javascript=False)
    stop.visit(page, site, "ky")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ky")
    screenshot(page)
