"""The consent report's page in a real browser: axe-core finds no serious or critical
violation in Kyrgyz and English, on a laptop and a phone; it works without JavaScript; the
privacy officer downloads a report."""

import csv
import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.console.reports_tour import REPORT_STOPS, reports
from tests.browser.test_accessibility import BLOCKING, describe

axe = Axe()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("locale", ["ky", "en"])
@pytest.mark.parametrize("stop", REPORT_STOPS, ids=[stop.name for stop in REPORT_STOPS])
def test_report_page_has_no_serious_accessibility_violations(
    open_page, console, screenshot, stop, locale, viewport
) -> None:
    page = open_page(viewport, locale=locale)
    stop.visit(page, console)
    assert page.locator("html").get_attribute("lang") == locale
    screenshot(page)

    violations = axe.run(page).response["violations"]
    blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)


@pytest.mark.parametrize("stop", REPORT_STOPS, ids=[stop.name for stop in REPORT_STOPS])
def test_report_page_works_without_javascript(open_page, console, stop) -> None:
    page = open_page(DESKTOP, javascript=False)
    stop.visit(page, console)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ky")


def test_a_refused_report_marks_its_choice(open_page, console) -> None:
    page = open_page(DESKTOP, locale="en")
    REPORT_STOPS[1].visit(page, console)

    expect(page.locator("#report-error")).to_be_visible()
    expect(page.locator("#report-to")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#report-from")).to_have_value("2026-12-02")


def test_the_privacy_officer_downloads_a_report(open_page, console) -> None:
    page = open_page(DESKTOP, locale="en")
    reports(page, console)
    page.locator("#report-kind").select_option("ledger")

    with page.expect_download() as started:
        page.locator("#download-report").click()
    download = started.value

    assert download.suggested_filename.startswith("consents-ledger-")
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as saved:
        header = next(csv.reader(io.StringIO(saved.read())))
    assert header[:3] == ["entry_id", "subject_id", "seq"]
