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


def _download(page) -> tuple[str, list[list[str]]]:
    page.locator("#report-kind").select_option("ledger")
    with page.expect_download() as started:
        page.locator("#download-report").click()
    download = started.value
    with open(download.path(), encoding="utf-8") as saved:
        return download.suggested_filename, list(csv.reader(io.StringIO(saved.read())))


def test_the_privacy_officer_downloads_a_report_and_watches_its_rows_arrive(
    open_page, console
) -> None:
    console.site.sign_up({"promotions": True}, locale="en")
    page = open_page(DESKTOP, locale="en")
    reports(page, console)

    filename, [header, *rows] = _download(page)

    assert filename.startswith("consents-ledger-")
    assert filename.endswith(".csv")
    assert header[:3] == ["entry_id", "subject_id", "seq"]
    assert rows
    expect(page.locator("#report-progress")).to_have_text(f"Downloaded: {len(rows):,} rows")
    assert page.locator("#report-progress progress").get_attribute("max") == str(len(rows))


def test_without_javascript_the_report_is_a_plain_download(open_page, console) -> None:
    page = open_page(DESKTOP, locale="en", javascript=False)
    reports(page, console)

    filename, [header, *_rows] = _download(page)

    assert filename.startswith("consents-ledger-")
    assert header[:3] == ["entry_id", "subject_id", "seq"]
    expect(page.locator("#report-progress")).to_be_hidden()
