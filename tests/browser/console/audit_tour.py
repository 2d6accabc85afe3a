"""The audit and suppressions pages, and how a privacy officer or an administrator gets to
them: used by the accessibility check, the no-JavaScript pass and the screenshots (stops.py),
and by the flows of tests/browser/console/test_audit_and_suppressions.py."""

import urllib.request
import uuid
from datetime import UTC, datetime

from playwright.sync_api import Page

from consent_service.adapters.unit_of_work import SqlUnitOfWork
from consent_service.config import database_url
from consent_service.domain.suppression import SuppressionReason
from consent_service.services.suppressions import suppress
from plumbing.db import make_engine, session_factory
from tests.browser.console.site import ConsoleSite, sign_in, submit
from tests.browser.console.tour import Stop
from tests.browser.site import SECRET


def officer(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("privacy", "Айгерим Купуялуулук"))


def bounced(site: ConsoleSite) -> str:
    """A fresh address whose mailbox hard-bounced, put on the list as the ESP's event would."""
    email = f"bounced-{uuid.uuid4().hex[:8]}@ala-too.example.kg"
    engine = make_engine(database_url(site.site.stack.environ["CONSENT_DATABASE_URL"]))
    try:
        with SqlUnitOfWork(session_factory(engine)).transaction() as registry:
            suppress(registry, SECRET, email, SuppressionReason.HARD_BOUNCE, datetime.now(UTC))
    finally:
        engine.dispose()
    return email


def erased(site: ConsoleSite) -> str:
    """Someone who signed up and was erased through the API; the address they had."""
    subject_id = site.site.sign_up({"promotions": True})
    email: str = site.site.subject(subject_id)["email"]
    stack = site.site.stack
    request = urllib.request.Request(f"{stack.base}/v1/subjects/{subject_id}", method="DELETE")
    request.add_header("Authorization", f"Bearer {stack.key}")
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 204
    return email


def look_up(page: Page, site: ConsoleSite, email: str) -> None:
    page.goto(site.url("/console/suppressions"))
    page.locator("#address").fill(email)
    submit(page, "#look-up")


def audit_page(page: Page, site: ConsoleSite) -> None:
    """An administrator's view after "verify now": the outcome, and the console audit log."""
    sign_in(page, site, site.ready_person("admin", "Бакыт Администратор"))
    page.goto(site.url("/console/audit"))
    submit(page, "#verify-now")


def suppressions(page: Page, site: ConsoleSite) -> None:
    officer(page, site)
    page.goto(site.url("/console/suppressions"))


def lookup_result(page: Page, site: ConsoleSite) -> None:
    """A bounced address looked up: its reason, since when, and the form that lifts it."""
    email = bounced(site)
    officer(page, site)
    look_up(page, site, email)


AUDIT_STOPS = (
    Stop("audit", "The ledger audit: the last verification, verify now, the audit log", audit_page),
    Stop("suppressions", "Suppressions: addresses per reason and a lookup", suppressions),
    Stop(
        "suppression-lookup",
        "A bounced address looked up, with the form that lifts it",
        lookup_result,
    ),
)
