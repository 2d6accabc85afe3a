"""The privacy policy's console pages, and how an administrator gets to each: used by the
accessibility check, the no-JavaScript pass and the screenshots (stops.py), and by
tests/browser/console/test_policies.py.

The console behind them is shared by every visit and runs on the real clock, so each version
published here has a name of its own and takes effect a few days from now (a moment in the
past is refused, decision 0044)."""

import uuid
from datetime import datetime, timedelta

from playwright.sync_api import Page

from consent_service.domain.tallies import DAY_ZONE
from tests.browser.console.site import ConsoleSite, sign_in, submit
from tests.browser.console.tour import Stop


def administrator(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("admin", "Жылдыз Администратор"))


def new_policy(page: Page, site: ConsoleSite) -> None:
    administrator(page, site)
    page.goto(site.url("/console/policies/new"))


def policy_published(page: Page, site: ConsoleSite) -> str:
    """A version made through the form from the text in effect, with a line added in each
    language that names it, so that it differs from whichever version comes before it. The page
    it lands on is the version's, with its changes; the answer is its name."""
    new_policy(page, site)
    version = f"v-{uuid.uuid4().hex[:8]}"
    day = (datetime.now(DAY_ZONE) + timedelta(days=3)).date()
    page.locator("#version").fill(version)
    page.locator("#effective_on").fill(day.isoformat())
    page.locator("#effective_time").fill("09:00")
    added = {
        "ky": f"Бул {version} версиясы.",
        "ru": f"Это версия {version}.",
        "en": f"This is version {version}.",
    }
    for locale, line in added.items():
        text = page.locator(f"#{locale}")
        text.fill(text.input_value() + "\n" + line)
    submit(page, "#publish-policy")
    return version


def policy_changes(page: Page, site: ConsoleSite) -> None:
    policy_published(page, site)


def policies(page: Page, site: ConsoleSite) -> None:
    policy_published(page, site)
    page.goto(site.url("/console/policies"))


def policy_refused(page: Page, site: ConsoleSite) -> None:
    """The form sent with the Russian text emptied and a day already past."""
    new_policy(page, site)
    page.locator("#version").fill("2020-01-01")
    page.locator("#effective_on").fill("2020-01-01")
    page.locator("#effective_time").fill("00:00")
    page.locator("#ru").fill("")
    submit(page, "#publish-policy")


POLICY_STOPS = (
    Stop("policies", "The privacy policy's versions: in effect, to come, who published", policies),
    Stop(
        "policy-refused", "A refused policy version: each problem beside its field", policy_refused
    ),
    Stop("policy-changes", "A policy version: what changed per language", policy_changes),
)
