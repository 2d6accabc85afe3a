"""The consent report's console page, and how a privacy officer gets to it: used by the
accessibility check, the no-JavaScript pass and the download of
tests/browser/console/test_reports.py."""

from playwright.sync_api import Page

from tests.browser.console.site import ConsoleSite, sign_in, submit
from tests.browser.console.tour import Stop


def officer(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("privacy", "Нурлан Купуялуулук"))


def reports(page: Page, site: ConsoleSite) -> None:
    officer(page, site)
    page.goto(site.url("/console/reports"))


def report_refused(page: Page, site: ConsoleSite) -> None:
    """The form sent with its last day before its first: drawn again with the day marked."""
    reports(page, site)
    page.locator("#report-from").fill("2026-12-02")
    page.locator("#report-to").fill("2026-12-01")
    submit(page, "#download-report")


REPORT_STOPS = (
    Stop("reports", "The consent report: what to include and in which format", reports),
    Stop("report-refused", "A refused report: the marked choice", report_refused),
)
