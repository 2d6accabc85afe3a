"""The console's import pages, and how an administrator gets to them: used by the
accessibility check, the no-JavaScript pass, the screenshots and
tests/browser/console/test_import.py."""

from playwright.sync_api import Page

from tests.browser.console.site import ConsoleSite, sign_in, submit
from tests.browser.console.tour import Stop

POLICY = "2026-11-01"
COLUMNS = "email,purpose,status,consented_at,source,policy_version,locale,name"
PEOPLE = "\n".join(
    [
        COLUMNS,
        f"aigul.import@example.kg,newsletters,granted,2026-11-05T10:00:00+06:00,"
        f"newsletter_form,{POLICY},ky,Айгүл",
        f"not an address,newsletters,granted,2026-11-05T10:00:00+06:00,checkout,{POLICY},ru,",
        f"bolot.import@example.kg,promotions,granted,2026-11-12T18:30:00Z,checkout,{POLICY},ru,",
        "",
    ]
).encode()
"""Three people, one of them without an address: its row (line 3) is rejected."""


def imports(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("admin", "Эрмек Импорт"))
    page.goto(site.url("/console/import"))


def upload(page: Page, content: bytes = PEOPLE, name: str = "people.csv") -> None:
    """Choose the file and start the import: the answer is the job's page."""
    page.locator("#import-file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    submit(page, "#start-import")


def until_done(page: Page) -> None:
    """Await the job's end as a person without JavaScript would: reload until the page says
    it ended (a few rows take a moment; the live refresh is test_import.py's)."""
    ended = page.locator("#import-state[data-refresh-done]")
    for _attempt in range(600):
        if ended.count():
            return
        page.reload()
    raise AssertionError("the import did not end")


def import_done(page: Page, site: ConsoleSite) -> None:
    imports(page, site)
    upload(page)
    until_done(page)


IMPORT_STOPS = (
    Stop("import", "Import: the upload form and the recent imports", imports),
    Stop("import-done", "A finished import: its counts and the rejection report", import_done),
)
