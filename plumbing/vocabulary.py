"""The words both parts use: purposes, statuses, locales, sources, sign-up form ids.

Plain data, importable by the registry, the mailer and the schemas alike; the registry's
domain builds its richer catalogue (titles, channels) on these ids, and a test keeps the two
in step.
"""

import re
from types import MappingProxyType
from typing import Final

LOCALES: Final = ("ky", "ru", "en")
CONSENT_PURPOSES: Final = frozenset({"personalization", "promotions", "surveys", "newsletters"})
EMAIL_PURPOSES: Final = frozenset({"promotions", "surveys", "newsletters"})
LEGAL_BASES: Final = MappingProxyType(
    {
        "personalization": "consent",
        "promotions": "consent",
        "surveys": "consent",
        "newsletters": "consent",
        "site_improvement": "legitimate_interest",
        "customer_service": "legitimate_interest",
        "transactions": "contract",
    }
)
"""Every purpose of the policy with its legal basis; only those resting on consent take one."""
STATUSES: Final = ("granted", "withdrawn", "pending")
SOURCES: Final = (
    "registration",
    "order",
    "newsletter_form",
    "survey",
    "preference_center",
    "unsubscribe_link",
    "one_click",
    "esp_webhook",
    "import",
    "admin",
    "double_opt_in",
    "expiry",
    "resubscribe",
)

FORM_SOURCES: Final = ("registration", "newsletter_form", "order", "survey")
"""The sources a sign-up form can record: the person filling in a form themselves."""

FORM_ID: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
"""Lower-case letters, digits, `-` and `_`: it is part of a URL and of the ledger's actor."""
