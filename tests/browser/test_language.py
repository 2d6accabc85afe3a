"""The language switch: a click changes the page's language, and the choice is remembered."""

from playwright.sync_api import expect

from tests.browser.tour import subscriber


def test_choosing_russian_changes_the_page_and_sticks_on_the_next_one(
    page, site, screenshot
) -> None:
    page.goto(site.url("/policy"))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ky")

    with page.expect_navigation():
        page.locator("nav.languages a", has_text="Русский").click()
    expect(html).to_have_attribute("lang", "ru")
    screenshot(page)

    # A Kyrgyz speaker's unsubscribe page: the cookie wins over the stored locale.
    page.goto(site.unsubscribe_url(subscriber(site, "ky"), "promotions"))
    expect(html).to_have_attribute("lang", "ru")
    screenshot(page, "next-page")


def test_each_language_is_offered_by_its_own_name(page, site) -> None:
    page.goto(site.url("/policy"))
    names = page.locator("nav.languages a")
    expect(names).to_have_text(["Кыргызча", "Русский", "English"])
    for code in ("ky", "ru", "en"):
        expect(page.locator(f'nav.languages a[href$="?lang={code}"]')).to_have_count(1)
