"""axe-core on every public page, in every language: no serious or critical violation.

axe is injected with `page.evaluate` (axe-playwright-python), which the pages' CSP cannot
block, and runs against the page as the browser rendered it, so colour contrast is measured
on the real styles, brand colour included.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.chromium import PHONE
from tests.browser.tour import TOUR

BLOCKING = {"serious", "critical"}
axe = Axe()


def describe(violation: dict) -> str:
    targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    return f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"


@pytest.mark.parametrize("locale", ["ky", "ru", "en"])
@pytest.mark.parametrize("stop", TOUR, ids=[stop.name for stop in TOUR])
def test_page_has_no_serious_accessibility_violations(
    open_page, site, screenshot, stop, locale
) -> None:
    page = open_page(PHONE, locale=locale)
    stop.visit(page, site, locale)
    assert page.locator("html").get_attribute("lang") == locale
    screenshot(page)

    violations = axe.run(page).response["violations"]
    blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)
