"""The administrator's pages (API keys, sign-up forms) and the privacy officer's transfer of a
person's data, and how each is reached: used by the accessibility check, the no-JavaScript pass
and the screenshots (stops.py), and by the flow of tests/browser/console/test_keys.py."""

import uuid

from playwright.sync_api import Page

from tests.browser.console.site import ConsoleSite, sign_in, submit
from tests.browser.console.tour import Stop
from tests.factories import consent_body
from tests.processes import consent_cli


def administrator(page: Page, site: ConsoleSite) -> None:
    sign_in(page, site, site.ready_person("admin", "Элнура Администратор"))


def keys(page: Page, site: ConsoleSite) -> None:
    administrator(page, site)
    page.goto(site.url("/console/keys"))


def create_key(page: Page, name: str, *scopes: str) -> str:
    """Fill and send the new key's form on the keys page; the key the answer shows."""
    page.locator("#key-name").fill(name)
    for scope in scopes:
        page.locator(f"#scope-{scope.replace(':', '-')}").check()
    submit(page, "#create-key")
    return page.locator("#new-key-secret").inner_text().strip()


def key_created(page: Page, site: ConsoleSite) -> None:
    """A key just made: shown whole, this once."""
    keys(page, site)
    create_key(page, "Kassa CRM", "consents:write", "subjects:read")


def forms(page: Page, site: ConsoleSite) -> None:
    """The list after a form was created: its address and its snippet to copy."""
    administrator(page, site)
    page.goto(site.url("/console/forms"))
    page.locator("#field-form_id").fill(f"footer-{uuid.uuid4().hex[:6]}")
    page.locator("#purpose-newsletters").check()
    page.locator("#purpose-promotions").check()
    page.locator("#field-source").select_option("newsletter_form")
    page.locator("#field-allowed_origins").fill("https://ala-too.example.kg")
    submit(page, "#create-form")


def registered_recipient(site: ConsoleSite) -> str:
    """A recipient of direct transfers registered by the operator; its name."""
    name = f"crm-{uuid.uuid4().hex[:6]}"
    environ = site.site.stack.environ
    added = consent_cli(environ, "recipients", "add", name, "http://127.0.0.1:9/transfers")
    assert added.returncode == 0, added.stderr
    return name


def signed_up_person(site: ConsoleSite) -> str:
    """Someone who signed up at the shop's checkout; their subject id."""
    email = f"bakyt.{uuid.uuid4().hex[:6]}@ala-too.example.kg"
    body = consent_body(email=email, purposes={"personalization": True}, source="order")
    status, answer = site.site.stack.call("POST", "/v1/consents", body)
    assert status in (200, 201), answer
    subject_id: str = answer["subject_id"]
    return subject_id


def transfer_confirmation(page: Page, site: ConsoleSite) -> None:
    """Transferring a person's data: the recipient, the reason and the box."""
    registered_recipient(site)
    subject_id = signed_up_person(site)
    sign_in(page, site, site.ready_person("privacy", "Бакыт Купуялык"))
    page.goto(site.url(f"/console/subjects/{subject_id}/transfer"))


ADMIN_STOPS = (
    Stop("keys", "API keys: name, prefix, scopes, dates; a new one", keys),
    Stop("key-created", "A key just created: shown whole, once", key_created),
    Stop("forms", "Sign-up forms: each one's address and snippet to copy", forms),
    Stop(
        "subject-transfer",
        "Transferring a person's data: recipient and reason",
        transfer_confirmation,
    ),
)
