"""The privacy policy page, as a visitor with a Kyrgyz browser sees it."""

from playwright.sync_api import expect

from tests.browser.site import POLICY_VERSION


def test_policy_page_shows_the_version_in_force(page, site, screenshot) -> None:
    response = page.goto(site.url("/policy"))
    assert response is not None
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "ky")
    expect(page.locator("main")).to_contain_text(POLICY_VERSION)
    screenshot(page)


def test_an_earlier_version_has_its_own_page(page, site, screenshot) -> None:
    response = page.goto(site.url(f"/policy/versions/{POLICY_VERSION}"))
    assert response is not None
    assert response.status == 200
    expect(page.locator("main")).to_contain_text(POLICY_VERSION)
    screenshot(page)
