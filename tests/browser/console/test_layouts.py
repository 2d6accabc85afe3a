"""The email layouts' pages in a real browser: axe-core finds no serious or critical violation
in Kyrgyz and English, on a laptop and a phone; they work without JavaScript; a marketer
makes a layout and finds it in the list."""

import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.console.layouts_tour import LAYOUT_STOPS, layout_saved
from tests.browser.test_accessibility import BLOCKING, describe

axe = Axe()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("locale", ["ky", "en"])
@pytest.mark.parametrize("stop", LAYOUT_STOPS, ids=[stop.name for stop in LAYOUT_STOPS])
def test_layout_page_has_no_serious_accessibility_violations(
    open_page, console, screenshot, stop, locale, viewport
) -> None:
    page = open_page(viewport, locale=locale)
    stop.visit(page, console)
    assert page.locator("html").get_attribute("lang") == locale
    screenshot(page)

    violations = axe.run(page).response["violations"]
    blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)


@pytest.mark.parametrize("stop", LAYOUT_STOPS, ids=[stop.name for stop in LAYOUT_STOPS])
def test_layout_page_works_without_javascript(open_page, console, stop) -> None:
    page = open_page(DESKTOP, javascript=False)
    stop.visit(page, console)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ky")


def test_a_marketer_makes_a_layout_and_finds_it_in_the_list(open_page, console) -> None:
    page = open_page(DESKTOP, locale="en")
    name = f"Кышкы сатуу {uuid.uuid4().hex[:6]}"
    layout_saved(page, console, name)
    expect(page.locator("main [role=status]")).to_contain_text("The layout was created.")
    expect(page.locator("#layout-ru-legal_name")).to_have_value("ОсОО «Ала-Тоо Соода»")  # noqa: RUF001

    page.get_by_role("link", name="All layouts").click()

    row = page.locator("table tr", has_text=name)
    expect(row).to_contain_text("Русский")
    expect(page.locator(".default-layout")).to_contain_text("Бишкек ш., Чүй пр. 100")


def test_a_refused_layout_names_its_problems_and_leads_to_the_fields(open_page, console) -> None:
    page = open_page(DESKTOP, locale="en")
    LAYOUT_STOPS[2].visit(page, console)

    alert = page.locator("#problems")
    expect(alert).to_be_visible()
    expect(page.locator("#layout-ky-legal_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#layout-ky-logo_url")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#layout-name")).to_have_value("Жазгы")
