"""The privacy desk's pages about one person, and how support and privacy get to each: used by
the accessibility check and the flows of tests/browser/console/test_subject_desk.py, the
no-JavaScript pass (test_without_javascript.py) and the screenshots in docs/console.md
(tests/browser/console/screenshots.py)."""

import uuid

from playwright.sync_api import Page

from tests.browser.console.site import ConsoleSite, sign_in, submit
from tests.browser.console.tour import Stop
from tests.factories import consent_body


def known_person(site: ConsoleSite, email: str | None = None) -> str:
    """Айгүл, signed up at the shop's checkout, who later withdrew promotions; her address."""
    email = email or f"aigul.{uuid.uuid4().hex[:6]}@ala-too.example.kg"
    body = consent_body(
        email=email,
        purposes={"personalization": True, "promotions": True, "newsletters": True},
        source="order",
    )
    body["subject"] |= {"name": "Айгүл Асанова", "external_id": f"kardar-{uuid.uuid4().hex[:4]}"}
    status, answer = site.site.stack.call("POST", "/v1/consents", body)
    assert status in (200, 201), answer
    change = {"status": "withdrawn", "source": "preference_center"}
    path = f"/v1/subjects/{answer['subject_id']}/consents/promotions"
    status, answer = site.site.stack.call("PUT", path, change)
    assert status == 200, answer
    return email


def support(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("support", "Динара Колдоо"))


def privacy(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("privacy", "Бакыт Купуялык"))


def find(page: Page, site: ConsoleSite, query: str) -> None:
    page.goto(site.url("/console/subjects"))
    page.locator("#q").fill(query)
    submit(page, "#find")


def nobody_found(page: Page, site: ConsoleSite) -> None:
    """A part of an address finds nobody, and the page says so."""
    support(page, site)
    find(page, site, "aigul")


def person(page: Page, site: ConsoleSite) -> None:
    """Found by the whole address, typed in other letter cases."""
    email = known_person(site)
    support(page, site)
    find(page, site, email.upper())


def erase_confirmation(page: Page, site: ConsoleSite) -> None:
    email = known_person(site)
    privacy(page, site)
    find(page, site, email)
    page.locator("#action-erase").click()


SUBJECT_STOPS = (
    Stop("subjects", "Finding a person: a whole key only; a part finds nobody", nobody_found),
    Stop("subject", "A person: consents, emails, the verified ledger", person),
    Stop("subject-erase", "Erasing a person: the reason and the box", erase_confirmation),
)
