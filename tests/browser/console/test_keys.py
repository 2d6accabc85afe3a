"""API keys in a real browser: an administrator creates a key, sees it whole once, revokes it
in the console, and another registry process on the same database refuses it at its very next
request, though it had verified (and cached) the key a moment before."""

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.chromium import DESKTOP
from tests.browser.console.admin_tour import create_key, keys
from tests.browser.console.site import ConsoleSite, submit
from tests.stack import Stack


def status_of(base: str, key: str) -> int:
    asked = urllib.request.Request(f"{base}/v1/purposes")
    asked.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(asked, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def another_registry(console: ConsoleSite, tmp_path: Path) -> Iterator[str]:
    """A second `consent serve` on the console's database: a process of its own, with its own
    cache of verified keys."""
    second = Stack(dict(console.site.stack.environ), tmp_path)
    second.start("api")
    try:
        yield second.base
    finally:
        second.stop_all()


def test_a_key_revoked_in_the_console_is_refused_by_another_process_at_once(
    open_page, console, another_registry
) -> None:
    page = open_page(DESKTOP, locale="en")
    keys(page, console)

    key = create_key(page, "Kassa", "subjects:read")
    key_id = key.split("_")[1]
    assert key.startswith(f"ck_{key_id}_")
    page.locator("#back-to-keys").click()
    row = page.locator(f"#key-{key_id}")
    expect(row).to_contain_text(f"ck_{key_id}_")
    assert key not in page.content()  # shown once, never again
    for base in (console.base, another_registry):  # both processes verify and cache it
        assert status_of(base, key) == 200

    row.get_by_role("link", name="Revoke").click()
    page.locator("#confirm").check()
    submit(page, "#confirm-revoke")

    expect(page.locator("#done")).to_be_visible()
    expect(page.locator(f"#key-{key_id}")).to_have_attribute("data-revoked", "yes")
    assert status_of(another_registry, key) == 401
    assert status_of(console.base, key) == 401
