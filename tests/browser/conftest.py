"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and the live service.

Playwright never downloads a browser here: it drives `/usr/bin/chromium`, which `make test`
installs from Debian's packages. Locally a missing Chromium skips these tests; with CI=true it
fails them, like a missing database (tests/databases.py). One browser and one running service
serve the whole session; every test gets fresh browser contexts (no cookies carried over).
"""

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.browser.chromium import CHROMIUM, DESKTOP, PHONE, TIMEOUT_MS, launch
from tests.browser.site import PublicSite, running_site
from tests.databases import service_unavailable
from tests.processes import ROOT

SCREENSHOTS = ROOT / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        service_unavailable("Chromium", f"{CHROMIUM} is missing; `make test` installs it")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublicSite]:
    with running_site(tmp_path_factory.mktemp("browser")) as running:
        yield running


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """A page in a new context: `viewport`, `javascript`, `bypass_csp`, `locale` (Accept-Language),
    `headers` sent with every request (`Sec-GPC: 1`, say, as a browser with GPC on sends it).

    The default locale is Kyrgyz, the visitor most pages are written for first.
    """
    contexts = []

    def open_(
        viewport: ViewportSize = DESKTOP,
        *,
        javascript: bool = True,
        bypass_csp: bool = False,
        locale: str = "ky-KG",
        headers: dict[str, str] | None = None,
    ) -> Page:
        context = browser.new_context(
            viewport=viewport,
            java_script_enabled=javascript,
            bypass_csp=bypass_csp,
            locale=locale,
            extra_http_headers=headers,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    """A desktop browser window."""
    return open_page(DESKTOP)


@pytest.fixture
def phone(open_page: OpenPage) -> Page:
    """A phone-sized browser window."""
    return open_page(PHONE)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Save the whole page as test-output/screenshots/<test name>[-<suffix>].png."""

    def save(page: Page, suffix: str = "") -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}{'-' + suffix if suffix else ''}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
