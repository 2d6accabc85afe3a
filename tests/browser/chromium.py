"""Debian's Chromium, launched the way this machine needs it (never a downloaded browser).

`make test` installs the `chromium` package when /usr/bin/chromium is missing; Playwright
only drives it (`executable_path`), so nothing is fetched at run time.
"""

from pathlib import Path

from playwright.sync_api import Browser, Playwright, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    # Tests run as root here, where Chromium's sandbox cannot start.
    "--no-sandbox",
    "--disable-gpu",
    # The network is closed: without these Chromium keeps dialling Google's hosts.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000
"""How long an action waits for its element: long enough for a loaded CI machine."""


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
    )
