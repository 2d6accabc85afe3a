"""The README's "Try it", typed as written, against `consent up`: every step works, in order.

Each ```sh block of the section runs in bash, in order, as the README writes it; the only
changes are the port (a free one instead of 8000) and where `.venv/bin/` is. Between the
blocks the test does what the person following the README does: it lets the service catch
up (a person reads an answer before typing on), and it opens a confirmation link found in
the outbox listing and presses the page's button. A command that fails, an HTTP error
(curl runs with --fail-with-body), or an email that never comes fails the test, so the
README and the product cannot drift apart.
"""

import http.cookiejar
import os
import re
import shlex
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from tests.processes import ROOT, free_port, start, stop, wait_for_http
from tests.stack import mailer_state, registry_state, wait_until
from tests.web.conftest import hidden_fields

README_BASE = "http://127.0.0.1:8000"
PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n'
"""Any HTTP error answer fails the block, as `set -e` fails it for any other command."""
NEWCOMER = dict.fromkeys(
    (
        "CONSENT_DATABASE_URL",
        "MAILER_DATABASE_URL",
        "BROKER_URL",
        "CONSENT_SECRET_KEY",
        "PUBLIC_BASE_URL",
        "MAILER_EMAIL_BACKEND",
        "MAILER_FROM",
        "CONSENT_BRAND_NAME",
        "CONSENT_CONTROLLER_CONTACT",
        "CONSENT_LEGAL_NAME",
        "CONSENT_POSTAL_ADDRESS",
        "CONSENT_BRAND_LOGO_URL",
        "CONSENT_ENV",
    ),
    "",
)
"""Nothing configured: the embedded defaults `make run` gives a newcomer."""


def walkthrough(readme: str) -> tuple[str, list[str]]:
    """The "Try it" section, and its shell blocks in order."""
    section = readme.split("\n## Try it\n", 1)[1].split("\n## ", 1)[0]
    return section, re.findall(r"^```sh\n(.*?)^```", section, re.S | re.M)


class Shell:
    """bash, one block at a time, keeping the variables the README's blocks assign."""

    def __init__(self, blocks: list[str], environ: dict[str, str], workdir: Path) -> None:
        self.names = sorted(set(re.findall(r"^([A-Z][A-Z0-9_]*)=", "\n".join(blocks), re.M)))
        self.environ, self.workdir = environ, workdir
        self.state = workdir / "variables.sh"

    def run(self, block: str) -> str:
        keep = f"{{ declare -p {' '.join(self.names)} || true; }} > {shlex.quote(str(self.state))}"
        restore = f". {shlex.quote(str(self.state))}\n" if self.state.exists() else ""
        done = subprocess.run(
            ["bash", "-c", f"{PRELUDE}{restore}{block}\n{keep} 2>/dev/null\n"],
            env=os.environ | self.environ,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (
            f"this README block failed ({done.returncode}):\n{block}\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
        return done.stdout


class Service:
    """`consent up` on a free port and an empty instance, as test_up.py starts it."""

    def __init__(self, instance: Path) -> None:
        self.instance = instance
        self.environ = NEWCOMER | {"CONSENT_INSTANCE_DIR": str(instance)}
        self.base = f"http://127.0.0.1:{free_port()}"
        self.process = start(
            [sys.executable, "-m", "consent_service", "up", "--port", self.base.rsplit(":")[-1]],
            env=os.environ | self.environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_http(f"{self.base}/healthz", timeout=30)

    def as_here(self, block: str) -> str:
        """A README block aimed at this service, with this checkout's commands."""
        commands = f"{Path(sys.executable).parent}/"
        return block.replace(README_BASE, self.base).replace(".venv/bin/", commands)

    def emails(self) -> int:
        outbox = self.instance / "outbox"
        return len(list(outbox.glob("*.eml"))) if outbox.exists() else 0

    def email_after(self, seen: int) -> bool:
        """Whether the outbox comes to hold more than `seen` emails (the mailer writes them
        in the background)."""
        return wait_until(lambda: self.emails() > seen, 60)

    def caught_up(self) -> bool:
        """The mailer holds what the registry holds (SPEC guarantee 5: within seconds)."""
        registry = registry_state(f"sqlite:///{self.instance / 'consent.db'}")
        return registry == mailer_state(f"sqlite:///{self.instance / 'mailer.db'}")


def press_the_button(url: str) -> None:
    """What a browser does with a page that asks first: GET it, then submit its form."""
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with browser.open(url, timeout=10) as page:
        fields = hidden_fields(page.read().decode())
    with browser.open(url, data=urllib.parse.urlencode(fields).encode(), timeout=10) as answer:
        assert answer.status == 200


def follow(service: Service, blocks: list[str], workdir: Path) -> list[str]:
    """Run the blocks as a person would; the outputs of the outbox listings, in order."""
    shell = Shell(blocks, service.environ, workdir)
    listings: list[str] = []
    listed = 0
    for block in blocks:
        assert wait_until(service.caught_up, 30)
        if "mailer outbox" in block:
            assert service.email_after(listed), f"no new email to list for:\n{block}"
            listed = service.emails()
        output = shell.run(block)
        if "mailer outbox" in block:
            listings.append(output)
        for link in re.findall(rf"{re.escape(service.base)}/confirm/\S+", output):
            press_the_button(link)
    return listings


def test_the_readme_walkthrough_works_as_typed(tmp_path: Path) -> None:
    section, written = walkthrough((ROOT / "README.md").read_text(encoding="utf-8"))
    service = Service(tmp_path / "instance")
    try:
        blocks = [service.as_here(block) for block in written]
        confirmation, campaign = follow(service, blocks, tmp_path)
        mentioned = re.findall(rf"{re.escape(README_BASE)}(/[^\s`)]*)", section)
        for path in {p.rstrip(".,;") for p in mentioned if "..." not in p}:
            if not path.startswith("/v1/"):
                with urllib.request.urlopen(f"{service.base}{path}", timeout=10) as page:
                    assert page.status == 200, path
    finally:
        stop(service.process)

    assert "confirmation" in confirmation and "To:      aigul@example.kg" in confirmation
    assert "campaign" in campaign and "To:      aigul@example.kg" in campaign
    assert f"{service.base}/u/" in campaign and f"{service.base}/preferences/" in campaign
    assert '"Example Shop (demo)" <no-reply@example.org>' in campaign
    assert "-X DELETE" in blocks[-1], "erasure must be the walkthrough's last step"
