"""The consent report's page in a real browser: the privacy officer downloads a report."""

import csv
import io

from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP
from tests.browser.console.reports_tour import REPORT_STOPS, reports


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
