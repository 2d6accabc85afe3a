"""The email layouts' pages in a real browser: a marketer
makes a layout and finds it in the list."""

import uuid

from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP
from tests.browser.console.layouts_tour import LAYOUT_STOPS, layout_saved


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
