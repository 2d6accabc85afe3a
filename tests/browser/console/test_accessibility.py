"""axe-core on every console page in Kyrgyz and English: no serious or critical violation.

Every page is each stop of stops.py, so a page joins this check by joining that list.

Both languages on a laptop's window, and Kyrgyz on a phone's: the console is for daily work at
a desk and must still be usable from a phone, where Kyrgyz, whose words run longest, is the
language that tests the narrow layout hardest (the public pages take every language on a phone:
tests/browser/test_accessibility.py).
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.console.stops import EVERY_STOP
from tests.browser.test_accessibility import BLOCKING, describe

axe = Axe()


@pytest.mark.parametrize(
    ("locale", "viewport"),
    [("ky", DESKTOP), ("en", DESKTOP), ("ky", PHONE)],
    ids=["ky-laptop", "en-laptop", "ky-phone"],
)
@pytest.mark.parametrize("stop", EVERY_STOP, ids=[stop.name for stop in EVERY_STOP])
def test_console_page_has_no_serious_accessibility_violations(
    open_page, console, screenshot, stop, locale, viewport
) -> None:
    page = open_page(viewport, locale=locale)
    stop.visit(page, console)
    assert page.locator("html").get_attribute("lang") == locale
    screenshot(page)

    violations = axe.run(page).response["violations"]
    blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)
