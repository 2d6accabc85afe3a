"""Every console page, and how a person gets to it: shared by the accessibility check, the
no-JavaScript pass and the screenshots in docs/console.md, so all three cover the same pages.

Each stop starts from a fresh browser context and signs in as it needs; the people it uses are
made by `consent users create` (tests/browser/console/site.py).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pyotp
from playwright.sync_api import Page

from tests.browser.console.desk import create_campaign, latest_run_url, report
from tests.browser.console.site import ConsoleSite, as_new_client, sign_in, submit


def login(page: Page, site: ConsoleSite) -> None:
    page.goto(site.url("/console/login"))


def login_refused(page: Page, site: ConsoleSite) -> None:
    as_new_client(page)
    page.goto(site.url("/console/login"))
    page.locator("#email").fill("nobody@ala-too.example.kg")
    page.locator("#password").fill("not a password of anyone")
    submit(page, "#sign-in")


def forced_password(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.new_person("marketing", "Айгүл Маркетинг"))


def second_factor_enrolment(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("privacy", "Бакыт Купуялык"))
    page.goto(site.url("/console/2fa"))


def enrol(page: Page) -> str:
    """Enrol the signed-in person's authenticator; its secret."""
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    submit(page, "#submit-code")
    return secret


def second_factor_check(page: Page, site: ConsoleSite) -> None:
    person = site.ready_person("support", "Динара Колдоо")
    sign_in(page, site, person)
    page.goto(site.url("/console/2fa"))
    enrol(page)
    submit(page, "#sign-out")
    sign_in(page, site, person)


def overview(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("admin", "Элнура Администратор"))


def users(page: Page, site: ConsoleSite) -> None:
    overview(page, site)
    page.goto(site.url("/console/users"))


def user_added(page: Page, site: ConsoleSite) -> None:
    users(page, site)
    page.locator("#new-email").fill("chyngyz@ala-too.example.kg")
    page.locator("#new-name").fill("Чыңгыз Колдоо")
    page.locator("#new-role-support").check()
    submit(page, "#add-user")


def not_for_your_role(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("marketing"))
    page.goto(site.url("/console/users"))


def not_found(page: Page, site: ConsoleSite) -> None:
    overview(page, site)
    page.goto(site.url("/console/no-such-page"))


def single_sign_on_refused(page: Page, site: ConsoleSite) -> None:
    page.goto(site.url("/console/login"))
    submit(page, "#single-sign-on")
    page.get_by_label("Login").fill("chyngyz")  # the test provider's own form, in English
    with page.expect_navigation(url=lambda url: url.startswith(site.base)):
        page.get_by_role("button", name="Sign in").click()


def signed_out(page: Page, site: ConsoleSite) -> None:
    overview(page, site)
    submit(page, "#sign-out")


def _sender(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("sender", "Азамат Жөнөтүүчү"))


def campaigns(page: Page, site: ConsoleSite) -> None:
    _sender(page, site)
    address = create_campaign(page, site, "Жаңы жылдык арзандатуулар")
    submit(page, "#action-run_now")
    report(site, address, 1, "running", 1200, 420)
    page.goto(site.url("/console/campaigns"))


def campaign_form(page: Page, site: ConsoleSite) -> None:
    """The form refused: a template with an unknown variable, said under that template."""
    _sender(page, site)
    page.goto(site.url("/console/campaigns/new"))
    page.locator("#name").fill("Жайкы сатык")
    page.locator("#purpose").select_option("promotions")
    page.locator("#content-ky-subject").fill("Жайкы сатык")
    page.locator("#content-ky-html").fill("<p>Саламатсызбы, {{ nme }}!</p>")
    page.locator("#content-ky-text").fill("Саламатсызбы, {{ name }}!")
    submit(page, "#create-campaign")


def campaign(page: Page, site: ConsoleSite) -> None:
    """A campaign whose recipients include someone speaking English, which it lacks."""
    site.site.sign_up({"promotions": True}, locale="en")
    _sender(page, site)
    create_campaign(page, site, "Жаңы жылдык арзандатуулар")
    for frame in ("ky-html", "ky-text", "ru-html", "ru-text"):  # drawn once loaded
        page.frame_locator(f"#preview-{frame}").locator("body").filter(has_text="!").wait_for()


def campaign_edit(page: Page, site: ConsoleSite) -> None:
    """A marketer editing a campaign: the form filled with it, and the note that saving makes
    it a draft awaiting a sender."""
    sign_in(page, site, site.ready_person("marketing", "Айгүл Маркетинг"))
    address = create_campaign(page, site, "Жаңы жылдык арзандатуулар")
    page.goto(f"{address}/edit")


def campaign_run(page: Page, site: ConsoleSite) -> None:
    _sender(page, site)
    address = create_campaign(page, site, "Жаңы жылдык арзандатуулар")
    submit(page, "#action-run_now")
    per_locale = {"ky": {"recipients": 900, "sent": 330}, "ru": {"recipients": 300, "sent": 90}}
    report(site, address, 1, "running", 1200, 420, per_locale)
    page.goto(site.url(latest_run_url(page)))


@dataclass(frozen=True)
class Stop:
    """One console page: its name (also its screenshot's file name), what it is, how to reach
    it."""

    name: str
    caption: str
    visit: Callable[[Page, ConsoleSite], None]


TOUR = (
    Stop("login", "Signing in: a password, or single sign-on", login),
    Stop("login-refused", "A refused sign-in: one answer for every reason", login_refused),
    Stop("password", "The first sign-in: choosing one's own password", forced_password),
    Stop("second-factor-enrolment", "Two-step sign-in: enrolling an app", second_factor_enrolment),
    Stop("second-factor-check", "Two-step sign-in: the code at sign-in", second_factor_check),
    Stop("overview", "The overview: the pipeline and the next runs", overview),
    Stop("users", "Users and their roles", users),
    Stop("campaigns", "Campaigns: status, next run, the last run's progress", campaigns),
    Stop("campaign-form", "A new campaign refused: each reason by its field", campaign_form),
    Stop("campaign", "A campaign: schedule in words, previews, a missing language", campaign),
    Stop("campaign-edit", "A campaign edited by marketing: it becomes a draft", campaign_edit),
    Stop("campaign-run", "A run's counts, live while it sends", campaign_run),
    Stop("user-added", "A person added: their one-time password, once", user_added),
    Stop("signed-out", "Signed out", signed_out),
    Stop("not-for-your-role", "A page the person's roles do not open", not_for_your_role),
    Stop("not-found", "An address with no page", not_found),
    Stop("single-sign-on-refused", "Single sign-on with no role here", single_sign_on_refused),
)
