"""Every public page, and how a person gets to it: shared by the accessibility check and the
screenshots in docs/pages.md, so both always cover the same pages.

Selectors follow the pages' contract (docs/pages.md): ids on the controls a test presses.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from playwright.sync_api import Locator, Page, Response

from tests.browser.site import POLICY_VERSION, PublicSite

UNSUBSCRIBE_BUTTON = "main form button#unsubscribe, main form[method=post] button[type=submit]"
EMAIL_PREFERENCES_LINK = "main form button#email-preferences-link"
CONFIRM_BUTTON = "main form[method=post] button[type=submit]"
EXPIRED = timedelta(days=8)
"""Older than the default 7-day life of a confirmation link."""


def submit(page: Page, control: Locator) -> Response:
    """Press a button that submits a form, wait for the page it leads to, return its answer."""
    with page.expect_navigation() as navigation:
        control.click()
    response = navigation.value
    assert response is not None, "the form led nowhere"
    return response


def press_unsubscribe(page: Page) -> Response:
    return submit(page, page.locator(UNSUBSCRIBE_BUTTON).first)


def press_confirm(page: Page) -> Response:
    return submit(page, page.locator(CONFIRM_BUTTON).first)


def subscriber(site: PublicSite, locale: str) -> str:
    """Someone who gets promotions and surveys but not personalised offers."""
    return site.sign_up({"promotions": True, "surveys": True, "personalization": False}, locale)


def newcomer(site: PublicSite, locale: str) -> str:
    """Someone who asked for the newsletter and has not confirmed yet."""
    return site.sign_up({"newsletters": True, "promotions": True}, locale)


def _goto(page: Page, url: str) -> Response:
    response = page.goto(url)
    assert response is not None
    return response


def home(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.url("/"))


def policy(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.url("/policy"))


def policy_version(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.url(f"/policy/versions/{POLICY_VERSION}"))


def unsubscribe(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.unsubscribe_url(subscriber(site, locale), "promotions"))


def unsubscribed(page: Page, site: PublicSite, locale: str) -> None:
    unsubscribe(page, site, locale)
    press_unsubscribe(page)


def preferences_link_sent(page: Page, site: PublicSite, locale: str) -> None:
    unsubscribed(page, site, locale)
    submit(page, page.locator(EMAIL_PREFERENCES_LINK))


def confirm(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.confirm_url(newcomer(site, locale)))


def confirmed(page: Page, site: PublicSite, locale: str) -> None:
    confirm(page, site, locale)
    press_confirm(page)


def confirm_expired(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.confirm_url(newcomer(site, locale), age=EXPIRED))


def preferences(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.preferences_url(subscriber(site, locale)))


def preferences_saved(page: Page, site: PublicSite, locale: str) -> None:
    preferences(page, site, locale)
    page.locator("#purpose-personalization").check()
    submit(page, page.locator("button#save"))


def delete_confirmation(page: Page, site: PublicSite, locale: str) -> None:
    preferences(page, site, locale)
    submit(page, page.locator("a#delete"))


def signup(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.url(f"/f/{site.signup_form()}"))


def signup_embed(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.url(f"/f/{site.signup_form()}/embed"))


def invalid_link(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.url("/u/not-a-real-token"))


def not_found(page: Page, site: PublicSite, locale: str) -> None:
    _goto(page, site.url("/no-such-page"))


@dataclass(frozen=True)
class Stop:
    """One public page: its name (also its screenshot's file name), what it is, how to reach it.

    `pictured` is false for a page that looks exactly like another one in docs/pages.md.
    """

    name: str
    caption: str
    visit: Callable[[Page, PublicSite, str], None]
    pictured: bool = True


TOUR = (
    Stop("home", "The front page: whose service this is, and the way on", home),
    Stop("policy", "The privacy policy in force", policy),
    Stop("policy-version", "One earlier version of the policy", policy_version, pictured=False),
    Stop("unsubscribe", "Unsubscribe: what the button will stop", unsubscribe),
    Stop("unsubscribed", "Unsubscribed, with the way back", unsubscribed),
    Stop("preferences-link-sent", "A preference link asked for by email", preferences_link_sent),
    Stop("confirm", "Double opt-in: confirm a subscription", confirm),
    Stop("confirmed", "Subscription confirmed", confirmed),
    Stop("confirm-expired", "An expired confirmation link", confirm_expired),
    Stop("preferences", "The preference centre", preferences),
    Stop("preferences-saved", "The preference centre after saving", preferences_saved),
    Stop("delete", "Delete my data: the confirmation step", delete_confirmation),
    Stop("signup", "A hosted sign-up form", signup),
    Stop("signup-embed", "The snippet a shop pastes into its site", signup_embed),
    Stop("invalid-link", "A damaged link", invalid_link),
    Stop("not-found", "An address with no page", not_found),
)
