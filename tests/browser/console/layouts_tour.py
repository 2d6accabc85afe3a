"""The email layouts' console pages, and how a marketer gets to each: used by the accessibility
check and the no-JavaScript pass of tests/browser/console/test_layouts.py and by the
screenshots in docs/console.md (tests/browser/console/screenshots.py)."""

from playwright.sync_api import Page

from tests.browser.console.site import ConsoleSite, sign_in, submit
from tests.browser.console.tour import Stop


def marketer(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("marketing", "Айгүл Маркетинг"))


def new_layout(page: Page, site: ConsoleSite) -> None:
    marketer(page, site)
    page.goto(site.url("/console/layouts/new"))


def layout_saved(page: Page, site: ConsoleSite, name: str = "Кышкы сатуу") -> None:
    """A layout made through the form: the brand settings as they come, a name, a Russian
    version added."""
    new_layout(page, site)
    page.locator("#layout-name").fill(name)
    page.locator("#layout-ky-why").fill("Сиз биздин жаңылыктарга жазылгансыз.")
    page.locator("#layout-ru-shop_name").fill("Магазин Ала-Тоо")  # noqa: RUF001
    page.locator("#layout-ru-legal_name").fill("ОсОО «Ала-Тоо Соода»")  # noqa: RUF001
    page.locator("#layout-ru-postal_address").fill("г. Бишкек, пр. Чуй 100")  # noqa: RUF001
    submit(page, "#save-layout")


def layouts(page: Page, site: ConsoleSite) -> None:
    layout_saved(page, site)
    page.goto(site.url("/console/layouts"))


def layout_refused(page: Page, site: ConsoleSite) -> None:
    new_layout(page, site)
    page.locator("#layout-name").fill("Жазгы")
    page.locator("#layout-ky-legal_name").fill("")
    page.locator("#layout-ky-logo_url").fill("logo.png")
    submit(page, "#save-layout")


LAYOUT_STOPS = (
    Stop("layouts", "Email layouts, and the default one from the brand settings", layouts),
    Stop("layout", "A layout per language: header and footer values", layout_saved),
    Stop("layout-refused", "A refused layout: each problem beside its field", layout_refused),
)
