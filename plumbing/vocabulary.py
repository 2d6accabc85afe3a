"""The words both parts use: purposes, statuses, locales, sources.

Plain data, importable by the registry and the mailer alike; the registry's domain builds its
richer catalogue (titles, legal basis) on these ids, and a test keeps the two in step.
"""

from typing import Final

LOCALES: Final = ("ky", "ru", "en")
CONSENT_PURPOSES: Final = frozenset({"personalization", "promotions", "surveys", "newsletters"})
EMAIL_PURPOSES: Final = frozenset({"promotions", "surveys", "newsletters"})
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
