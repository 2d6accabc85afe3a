"""Screenshots of every console page for docs/console.md, as a laptop shows them.

    .venv/bin/python -m tests.browser.console.screenshots [--locale ky] [--out docs/console]
        [--only subject --only subjects]

Starts the registry and a test OpenID provider (tests/browser/console/site.py), visits each
stop of the console's tour (tests/browser/console/tour.py) in a new Chromium window and saves
the page as `<out>/<stop>.png`. The demo shop has a Kyrgyz name and a logo, so the pictures
show where a shop's own looks appear.
"""

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, sync_playwright

from tests.browser.chromium import TIMEOUT_MS, launch
from tests.browser.console.site import WITH_MAILER, running_console
from tests.browser.console.stops import EVERY_STOP
from tests.browser.console.subjects_tour import SUBJECT_STOPS
from tests.browser.console.tour import Stop
from tests.processes import ROOT

LAPTOP: ViewportSize = {"width": 1024, "height": 720}


NEXT_PAINT = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def whole_page_on_screen(page: Page) -> None:
    """Make the window as tall as the page: Chromium leaves a frame of another origin (an email
    preview) blank in a full-page picture of the part below the window."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": LAPTOP["width"], "height": max(height, LAPTOP["height"])})
    page.evaluate(NEXT_PAINT)


def take(out: Path, locale: str, stops: tuple[Stop, ...] = EVERY_STOP) -> list[Path]:
    """The pictures of `stops`; a person's pages on a console with the mailer running, so
    that their emails are in the picture."""
    plain = tuple(stop for stop in stops if stop not in SUBJECT_STOPS)
    desk = tuple(stop for stop in stops if stop in SUBJECT_STOPS)
    saved = _take(out, locale, plain, ("api",)) if plain else []
    return saved + (_take(out, locale, desk, WITH_MAILER) if desk else [])


def _take(out: Path, locale: str, stops: tuple[Stop, ...], parts: tuple[str, ...]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_console(Path(workdir), parts) as console,
        sync_playwright() as playwright,
    ):
        browser = launch(playwright)
        for stop in stops:
            context = browser.new_context(viewport=LAPTOP, locale=locale)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            stop.visit(page, console)
            path = out / f"{stop.name}.png"
            whole_page_on_screen(page)
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
            context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locale", default="ky", choices=["ky", "ru", "en"])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "console")
    parser.add_argument(
        "--only",
        action="append",
        choices=[stop.name for stop in EVERY_STOP],
        help="take only this stop's picture (repeatable); all of them without it",
    )
    arguments = parser.parse_args()
    chosen = tuple(s for s in EVERY_STOP if not arguments.only or s.name in arguments.only)
    for path in take(arguments.out, arguments.locale, chosen):
        print(f"{path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
