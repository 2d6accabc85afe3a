"""The data-subject requests' console pages, and how support and privacy staff get to them:
used by the accessibility check and the flows of tests/browser/console/test_requests.py, and
by the no-JavaScript pass (tests/browser/console/test_without_javascript.py)."""

from playwright.sync_api import Page

from tests.browser.console.site import ConsoleSite, sign_in, submit
from tests.browser.console.tour import Stop


def officer(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("privacy", "Гүлзат Купуялуулук"))


def new_request(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("support", "Азамат Колдоо"))
    page.goto(site.url("/console/requests/new"))


def request_refused(page: Page, site: ConsoleSite) -> None:
    """The form sent with no person: drawn again with the field marked."""
    new_request(page, site)
    page.locator("#kind").select_option("access")
    page.locator("#channel").select_option("letter")
    submit(page, "#record-request")


def recorded(page: Page, site: ConsoleSite) -> None:
    """A request from someone the registry does not know, as privacy staff see it."""
    officer(page, site)
    page.goto(site.url("/console/requests/new"))
    page.locator("#kind").select_option("objection")
    page.locator("#channel").select_option("email")
    page.locator("#person").fill("kat.jazuuchu@example.kg")
    submit(page, "#record-request")


def requests_list(page: Page, site: ConsoleSite) -> None:
    recorded(page, site)
    page.goto(site.url("/console/requests"))


def close_refused(page: Page, site: ConsoleSite) -> None:
    """A refusal sent without its reason: drawn again with the reason marked."""
    recorded(page, site)
    page.locator("#outcome-refused").check()
    submit(page, "#close-request")


REQUEST_STOPS = (
    Stop("requests", "Requests from people: open ones by due day", requests_list),
    Stop("request-new", "Recording a request that came by letter or phone", new_request),
    Stop("request-refused", "A request form refused: the marked field", request_refused),
    Stop("request", "A request with its due day and the form that closes it", recorded),
    Stop("request-close-refused", "A refusal without its reason", close_refused),
)
