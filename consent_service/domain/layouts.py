"""Email layouts: the header and footer a campaign's content is sent inside (SPEC sections 7, 9).

A layout is a name and, per locale, plain values (`plumbing/layouts.py`): the shop's name
and logo for the header, its legal name, postal address and why the person gets the email for
the footer. Marketers edit these values, not markup: the mailer's own templates place them
and always add the unsubscribe and preference links, so a layout cannot remove the links or
the legal identity, and the only thing to check here is that every value is there and fit.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from consent_service.domain.errors import DomainError
from consent_service.domain.locales import LOCALES
from plumbing.layouts import FIELDS, REQUIRED, LayoutVersion
from plumbing.text import storable

MAX_NAME = 200
MAX_VALUE = {
    "shop_name": 200,
    "logo_url": 500,
    "legal_name": 200,
    "postal_address": 500,
    "why": 500,
}


@dataclass(frozen=True)
class Layout:
    id: uuid.UUID
    name: str
    versions: dict[str, LayoutVersion]
    created_at: datetime
    updated_at: datetime


class LayoutNotFound(DomainError):
    pass


class InvalidLayout(DomainError):
    """A layout is refused; `errors` maps each field, nested like the body, to messages."""

    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__("The layout is not valid.")
        self.errors = errors


def _value_errors(field: str, value: str) -> list[str]:
    if not storable(value):
        return ["Text may not contain NUL characters or unpaired surrogates."]
    if field in REQUIRED and not value.strip():
        return ["Every email must show this; it may not be empty."]
    if len(value) > MAX_VALUE[field]:
        return [f"At most {MAX_VALUE[field]} characters."]
    if field == "logo_url" and value and not _web_address(value):
        return ["An absolute http:// or https:// address that mail programs can load."]
    return []


def _web_address(raw: str) -> bool:
    try:
        parts = urlsplit(raw.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in raw


def layout_errors(
    name: str, versions: Mapping[str, Mapping[str, str]], default_locale: str
) -> dict[str, object]:
    """Every problem at once, shaped like the body: `{"versions": {"ky": {"why": [...]}}}`."""
    errors: dict[str, object] = {}
    if not name.strip() or len(name) > MAX_NAME or not storable(name):
        errors["name"] = [f"Give the layout a name of 1 to {MAX_NAME} characters."]
    version_errors: dict[str, object] = {}
    for locale, values in versions.items():
        if locale not in LOCALES:
            version_errors[locale] = ["Not a locale of the service."]
            continue
        problems = {
            field: found
            for field in FIELDS
            if (found := _value_errors(field, values.get(field, "")))
        }
        if problems:
            version_errors[locale] = problems
    if default_locale not in versions:
        version_errors[default_locale] = [
            f"A layout needs a version in the default locale {default_locale!r}: people whose "
            "language it lacks get that one."
        ]
    if version_errors:
        errors["versions"] = version_errors
    return errors


def versions_from(raw: Mapping[str, Mapping[str, str]]) -> dict[str, LayoutVersion]:
    """Checked values as versions, trimmed of the spaces around them."""
    return {
        locale: LayoutVersion(**{field: values.get(field, "").strip() for field in FIELDS})
        for locale, values in raw.items()
    }
