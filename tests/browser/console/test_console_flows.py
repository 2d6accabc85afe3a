"""The console in Chromium, as its people use it: a first sign-in with the forced password
change, the users page, single sign-on through the real provider, and the live overview."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.console.site import sign_in, submit
from tests.factories import consent_body

NEW_PASSWORD = "my own words for the console"


def test_a_first_sign_in_changes_the_one_time_password_then_opens_the_overview(
    page: Page, console, screenshot
) -> None:
    newcomer = console.new_person("admin", "Нурлан")
    sign_in(page, console, newcomer)
    expect(page).to_have_url(console.url("/console/password"))
    expect(page.locator("nav.console-nav")).to_have_count(0)  # nothing else opens yet

    page.locator("#new_password").fill(NEW_PASSWORD)
    page.locator("#repeat_password").fill(NEW_PASSWORD)
    submit(page, "#save-password")

    expect(page).to_have_url(console.url("/console/"))
    expect(page.locator("nav.console-nav a")).to_have_count(13)  # every section: an administrator
    screenshot(page)
    submit(page, "#sign-out")
    sign_in(page, console, newcomer.__class__(newcomer.email, NEW_PASSWORD))
    expect(page).to_have_url(console.url("/console/"))


def test_an_administrator_adds_someone_changes_their_roles_and_disables_them(
    open_page, console, screenshot
) -> None:
    page = open_page(locale="en")
    sign_in(page, console, console.ready_person("admin"))
    page.goto(console.url("/console/users"))
    page.locator("#new-email").fill("mira@ala-too.example.kg")
    page.locator("#new-name").fill("Mira")
    page.locator("#new-role-marketing").check()
    submit(page, "#add-user")
    password = page.locator("#one-time-password").inner_text()
    assert re.fullmatch(r"[2-9a-z]{5}(-[2-9a-z]{5}){3}", password)
    screenshot(page, "added")

    submit(page, "text=Back to the users")
    expect(page.locator("body")).not_to_contain_text(password)
    row = page.locator("tr", has_text="mira@ala-too.example.kg")
    row.locator("summary").click()
    row.locator("input[value=sender]").check()
    row.locator("input[value=marketing]").uncheck()
    submit(page, 'tr:has-text("mira@ala-too.example.kg") >> text=Save the roles')
    expect(page.locator("p.success")).to_contain_text("The roles were changed.")
    row = page.locator("tr", has_text="mira@ala-too.example.kg")
    expect(row).to_contain_text("Sender")

    submit(page, 'tr:has-text("mira@ala-too.example.kg") >> button.danger')
    expect(page.locator("p.success")).to_contain_text("The person was disabled")
    expect(page.locator("tr", has_text="mira@ala-too.example.kg")).to_contain_text("Disabled on")
    screenshot(page)


@pytest.mark.parametrize(("login", "name"), [("aida", "Aida Marketer"), ("elnura", "Elnura Both")])
def test_single_sign_on_through_the_provider_opens_the_console(
    page: Page, console, screenshot, login, name
) -> None:
    page.goto(console.url("/console/login"))
    submit(page, "#single-sign-on")
    expect(page).to_have_url(re.compile(re.escape(console.provider.issuer)))
    page.get_by_label("Login").fill(login)
    with page.expect_navigation(url=console.url("/console/")):
        page.get_by_role("button", name="Sign in").click()

    expect(page.locator(".person-name")).to_have_text(name)
    screenshot(page)
    page.goto(console.url("/console/users"))
    expect(page.locator("main h1")).not_to_have_text("Users")


def test_the_overview_refreshes_its_live_parts_with_our_script_under_the_csp(
    page: Page, console
) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    sign_in(page, console, console.ready_person("privacy"))
    unsent = page.locator("#outbox-unsent")
    before = int(unsent.inner_text())

    status, answer = console.site.stack.call("POST", "/v1/consents", consent_body())
    assert status == 201, answer  # no relay runs here: the message waits in the outbox
    expect(unsent).not_to_have_text(str(before), timeout=25_000)  # refreshed every 10 s
    assert int(unsent.inner_text()) > before

    assert not [text for text in violations if "Content Security Policy" in text]
