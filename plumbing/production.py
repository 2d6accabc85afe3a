"""What `CONSENT_ENV=production` requires of the environment before any process starts.

Both parts check the environment itself, not their settings: a development default (an
example shop's name, `no-reply@localhost`) must never pass for the real thing. Every missing
or unfit setting is named in one message, so an operator fixes them all in one round.
"""

from collections.abc import Mapping
from email.utils import parseaddr
from urllib.parse import urlsplit

EXAMPLE_TOP_LEVEL = frozenset({"example", "test", "invalid", "localhost", "local"})
"""Top-level names that never reach a real mailbox (RFC 2606, RFC 6761, RFC 6762)."""


class ProductionSettingsMissing(Exception):
    """Production was asked for and the environment is not fit for it."""


def _required(env: Mapping[str, str], name: str) -> bool:
    return bool(env.get(name, "").strip())


def _https_url(raw: str) -> bool:
    try:
        parts = urlsplit(raw.strip())
        return parts.scheme == "https" and bool(parts.hostname)
    except ValueError:
        return False


def real_sender(raw: str) -> bool:
    """An address (optionally with a display name) in a domain that can receive replies."""
    _name, address = parseaddr(raw)
    local, at, domain = address.rpartition("@")
    domain = domain.lower().rstrip(".")
    if not at or not local or not domain or domain.startswith("["):
        return False
    labels = domain.split(".")
    return len(labels) > 1 and labels[-1] not in EXAMPLE_TOP_LEVEL and "example" not in labels


def missing_settings(env: Mapping[str, str], *, sends_email: bool) -> list[str]:
    """Each setting production lacks, with what it is for; empty when all are fit."""
    problems = []
    if not _required(env, "CONSENT_SECRET_KEY"):
        problems.append("CONSENT_SECRET_KEY is required (it signs links and tokens)")
    if not _https_url(env.get("PUBLIC_BASE_URL", "")):
        problems.append(
            "PUBLIC_BASE_URL must be an https:// URL (links in emails; RFC 8058 one-click "
            "unsubscribe needs https)"
        )
    if not _required(env, "CONSENT_BRAND_NAME"):
        problems.append("CONSENT_BRAND_NAME is required (the shop's name on pages and in emails)")
    if not _required(env, "CONSENT_CONTROLLER_CONTACT"):
        problems.append(
            "CONSENT_CONTROLLER_CONTACT is required (how people reach the shop about their data)"
        )
    if not _required(env, "CONSENT_LEGAL_NAME"):
        problems.append("CONSENT_LEGAL_NAME is required (the shop's legal name in every email)")
    if not _required(env, "CONSENT_POSTAL_ADDRESS"):
        problems.append(
            "CONSENT_POSTAL_ADDRESS is required (the shop's postal address in every email)"
        )
    logo = env.get("CONSENT_BRAND_LOGO_URL", "").strip()
    if logo and not _https_url(logo):
        problems.append("CONSENT_BRAND_LOGO_URL must be an https:// URL (emails load it)")
    if sends_email and not real_sender(env.get("MAILER_FROM", "")):
        problems.append(
            "MAILER_FROM must be the shop's real sender address (not unset, localhost or an "
            "example domain)"
        )
    return problems


def check_production(env: Mapping[str, str], *, sends_email: bool) -> None:
    """Raise, naming every unfit setting, when `CONSENT_ENV=production` and any is unfit."""
    if env.get("CONSENT_ENV") != "production":
        return
    problems = missing_settings(env, sends_email=sends_email)
    if problems:
        raise ProductionSettingsMissing(
            "CONSENT_ENV=production refuses to start: " + "; ".join(problems) + "."
        )
