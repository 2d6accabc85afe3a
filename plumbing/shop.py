"""Who the shop is, as both parts name it: its name and how to reach it about personal data.

The registry shows them in its pages, the mailer in every email's From and text; both read
the same variables (`CONSENT_BRAND_NAME`, `CONSENT_CONTROLLER_CONTACT`), so a page and an
email can never name two different shops. Outside production an unset value names a
clearly fake example shop, so a demo shows where the real name will appear and nobody takes
its emails for a real shop's; production gets no such fallback (docs/decisions/0021).
"""

from collections.abc import Mapping
from dataclasses import dataclass

EXAMPLE_SHOP_NAME = "Example Shop (demo)"
EXAMPLE_SHOP_CONTACT = "privacy@example.org"
EXAMPLE_SHOP_SENDER = "no-reply@example.org"
"""The example shop's From address (`MAILER_FROM`); example.org is reserved (RFC 2606)."""


@dataclass(frozen=True)
class Shop:
    name: str
    contact: str
    """Free text: an address, a postal address, a phone number, as the shop writes it."""


def is_production(env: Mapping[str, str]) -> bool:
    return env.get("CONSENT_ENV", "development") == "production"


def example_or(env: Mapping[str, str], name: str, example: str) -> str:
    """The setting `name`, or outside production the example shop's value when it is unset."""
    value = (env.get(name) or "").strip()
    if value or is_production(env):
        return value
    return example


def shop_from_env(env: Mapping[str, str]) -> Shop:
    return Shop(
        name=example_or(env, "CONSENT_BRAND_NAME", EXAMPLE_SHOP_NAME),
        contact=example_or(env, "CONSENT_CONTROLLER_CONTACT", EXAMPLE_SHOP_CONTACT),
    )
