"""The import in a real browser: an administrator uploads a file with one bad row, watches the
job end on its page (the live part refreshes itself), and downloads the rejection report."""

import csv
import io
import re

from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP
from tests.browser.console.import_tour import imports, upload


def test_an_administrator_imports_a_file_and_downloads_the_rejection_report(
    open_page, console
) -> None:
    page = open_page(DESKTOP, locale="en")
    imports(page, console)

    upload(page)

    expect(page).to_have_url(re.compile(r".*/console/import/[0-9a-f-]{36}$"))
    expect(page.locator("#import-state")).to_have_text("Done", timeout=30_000)
    expect(page.locator("#import-rows-read")).to_have_text("3")
    expect(page.locator("#import-rejected")).to_have_text("1")
    with page.expect_download() as started:
        page.locator("#download-rejections").click()
    download = started.value
    assert download.suggested_filename == "people.rejected.csv"
    with open(download.path(), encoding="utf-8") as saved:
        rows = list(csv.reader(io.StringIO(saved.read())))
    assert rows == [["line", "reason"], ["3", "invalid_email"]]

    page.goto(console.url("/console/import"))
    expect(page.locator("#import-jobs tbody tr").first).to_contain_text("people.csv")
