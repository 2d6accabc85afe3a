"""The privacy policy's console pages in a real browser: an administrator publishes a version
and reads what changed, and a refused version leads to its marked fields."""

from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP
from tests.browser.console.policies_tour import POLICY_STOPS, policy_published


def test_an_administrator_publishes_a_version_and_sees_its_changes(open_page, console) -> None:
    page = open_page(DESKTOP, locale="en")

    version = policy_published(page, console)

    expect(page.locator("main h1")).to_have_text(f"Policy version {version}")
    expect(page.locator("main [role=status]")).to_contain_text("The version was published.")
    for locale in ("ky", "ru", "en"):
        section = page.locator(".policy-text", has=page.locator(f"#text-{locale}"))
        expect(section.locator("ins").filter(has_text=version)).to_have_count(1)
        expect(section.locator(".diff-label").first).to_be_visible()
    page.get_by_role("link", name="All versions").click()
    row = page.locator("#policies tr", has_text=version)
    expect(row).to_contain_text("Takes effect later")
    expect(row).to_contain_text("Жылдыз Администратор, in the console")


def test_a_refused_version_names_its_problems_and_marks_the_fields(open_page, console) -> None:
    page = open_page(DESKTOP, locale="en")
    POLICY_STOPS[1].visit(page, console)

    expect(page.locator("#problems")).to_be_visible()
    expect(page.locator("#ru")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#effective_on")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#problems")).to_contain_text("cannot take effect in the past")
    page.get_by_role("link", name="All versions").click()
    expect(page.locator("#policies")).not_to_contain_text("2020-01-01")
