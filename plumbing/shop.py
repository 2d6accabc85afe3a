"""Who the shop is, as both parts name it: its name, how to reach it about personal data, and
the legal identity every email's footer carries (its legal name and postal address).

The registry shows them in its pages, the mailer in every email's From, text and footer; both
read the same variables (`CONSENT_BRAND_NAME`, `CONSENT_CONTROLLER_CONTACT`,
`CONSENT_LEGAL_NAME`, `CONSENT_POSTAL_ADDRESS`, `CONSENT_BRAND_LOGO_URL`), so a page and an
email can never name two different shops. They also make the default email layout
(docs/decisions/0032). Outside production an unset value names a
clearly fake example shop, so a demo shows where the real name will appear and nobody takes
its emails for a real shop's; production gets no such fallback (docs/decisions/0021).
"""

from collections.abc import Mapping
from dataclasses import dataclass

EXAMPLE_SHOP_NAME = "Example Shop (demo)"
EXAMPLE_SHOP_CONTACT = "privacy@example.org"
EXAMPLE_SHOP_LEGAL_NAME = "Example Shop LLC (demo)"
EXAMPLE_SHOP_POSTAL_ADDRESS = "1 Example Street, Bishkek (demo)"
EXAMPLE_SHOP_SENDER = "no-reply@example.org"
"""The example shop's From address (`MAILER_FROM`); example.org is reserved (RFC 2606)."""


@dataclass(frozen=True)
class Shop:
    name: str
    contact: str
    """Free text: an address, a postal address, a phone number, as the shop writes it."""
    legal_name: str = ""
    """The company as registered, in every email's footer (CAN-SPAM, the Kyrgyz law)."""
    postal_address: str = ""
    """Where the shop can be written to by post, in every email's footer."""
    logo_url: str = ""
    """An https address of the logo for emails' headers; empty for none."""


def is_production(env: Mapping[str, str]) -> bool:
    return env.get("CONSENT_ENV", "development") == "production"


def example_or(env: Mapping[str, str], name: str, example: str) -> str:
    """The setting `name`, or outside production the example shop's value when it is unset."""
    value = (env.get(name) or "").strip()
    if value or is_production(env):
        return value
    return example


def logo_url(env: Mapping[str, str]) -> str:
    """`CONSENT_BRAND_LOGO_URL`, or the registry's own copy of `CONSENT_BRAND_LOGO`.

    An email's image must be fetched by the reader's mail program, so it is an absolute URL:
    the one given, else the logo the registry serves under `PUBLIC_BASE_URL`.
    """
    given = (env.get("CONSENT_BRAND_LOGO_URL") or "").strip()
    if given:
        return given
    base = (env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if (env.get("CONSENT_BRAND_LOGO") or "").strip() and base:
        return f"{base}/static/brand-logo"
    return ""


def shop_from_env(env: Mapping[str, str]) -> Shop:
    return Shop(
        name=example_or(env, "CONSENT_BRAND_NAME", EXAMPLE_SHOP_NAME),
        contact=example_or(env, "CONSENT_CONTROLLER_CONTACT", EXAMPLE_SHOP_CONTACT),
        legal_name=example_or(env, "CONSENT_LEGAL_NAME", EXAMPLE_SHOP_LEGAL_NAME),
        postal_address=example_or(env, "CONSENT_POSTAL_ADDRESS", EXAMPLE_SHOP_POSTAL_ADDRESS),
        logo_url=logo_url(env),
    )
