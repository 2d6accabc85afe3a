"""Screenshots of every public page for docs/pages.md, as a phone shows them.

    .venv/bin/python -m tests.browser.screenshots [--locale ky] [--out docs/pages]

Starts the registry on fresh databases (tests/browser/site.py), visits each stop of the
tour (tests/browser/tour.py) in a new phone-sized Chromium window and saves the full page
as `<out>/<stop>.png`. Pages whose length adds nothing to the picture are cut (CUT_AT) to
keep the files small. The demo shop has a name, a logo and a contact, so the pictures show
where a shop's own looks appear.
"""

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.chromium import PHONE, TIMEOUT_MS, launch
from tests.browser.site import running_site
from tests.browser.tour import TOUR
from tests.processes import ROOT

DEMO_SHOP = {
    "CONSENT_BRAND_NAME": "Ала-Тоо дүкөнү",  # noqa: RUF001
    "CONSENT_BRAND_LOGO": str(Path(__file__).with_name("shop-logo.svg")),
    "CONSENT_CONTROLLER_CONTACT": "privacy@ala-too.example.kg",
    "CONSENT_LEGAL_NAME": "«Ала-Тоо Соода» ЖЧК",  # noqa: RUF001
    "CONSENT_POSTAL_ADDRESS": "Бишкек ш., Чүй пр. 100",
}
CUT_AT = {"policy": 1800, "preferences-saved": PHONE["height"]}
"""Pixels kept of a page: the policy's long text, and a page whose rest is pictured already."""


def take(out: Path, locale: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_site(Path(workdir), parts=("api",), **DEMO_SHOP) as site,
        sync_playwright() as playwright,
    ):
        browser = launch(playwright)
        for stop in (stop for stop in TOUR if stop.pictured):
            context = browser.new_context(viewport=PHONE, locale=locale)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            stop.visit(page, site, locale)
            path = out / f"{stop.name}.png"
            height = page.evaluate("document.documentElement.scrollHeight")
            height = min(height, CUT_AT.get(stop.name, height))
            clip = {"x": 0, "y": 0, "width": PHONE["width"], "height": height}
            page.screenshot(path=str(path), full_page=True, clip=clip)
            saved.append(path)
            context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="ky", choices=["ky", "ru", "en"])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "pages")
    arguments = parser.parse_args()
    for path in take(arguments.out, arguments.locale):
        print(f"{path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
