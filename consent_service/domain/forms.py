"""Public sign-up forms: what a form offers, where it may be posted from, what a post asks.

A form is public: anyone can fill it in with any address. So a submission only ever asks
(every purpose it names waits for the confirmation link, decision 0016), never refuses
(an unticked box is not a "no": the form cannot withdraw anything), and the origins a
shop's site may post from are named explicitly, scheme, host and port.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from consent_service.domain.consent import Source
from consent_service.domain.errors import Conflict, DomainError

FORM_SOURCES = tuple(
    s.value for s in (Source.REGISTRATION, Source.NEWSLETTER_FORM, Source.ORDER, Source.SURVEY)
)
"""The sources a sign-up form can record: the person filling in a form themselves."""

FORM_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
"""Lower-case letters, digits, `-` and `_`: it is part of a URL and of the ledger's actor."""

ACTOR_PREFIX = "form:"
HONEYPOT = "website"
"""The hidden field people never see and bots fill in."""


class FormNotFound(DomainError):
    pass


class FormExists(Conflict):
    field = "form_id"


@dataclass(frozen=True)
class SignupForm:
    form_id: str
    purposes: tuple[str, ...]
    source: str
    allowed_origins: tuple[str, ...]
    success_url: str | None
    default_locale: str
    created_by: str
    created_at: datetime

    @property
    def actor(self) -> str:
        return ACTOR_PREFIX + self.form_id

    def allows_origin(self, origin: str | None) -> bool:
        return origin is not None and normalize_origin(origin) in self.allowed_origins

    def asked(self, purposes: list[str]) -> dict[str, bool]:
        """The decisions a submission makes: a yes for each offered purpose it names."""
        return {purpose: True for purpose in self.purposes if purpose in purposes}


def normalize_origin(raw: str) -> str | None:
    """`scheme://host[:port]` lower-cased, default port dropped; None if it is not one.

    Browsers send the `Origin` header in exactly this shape (RFC 6454 section 6.1), so a
    stored origin compares equal to the header by plain string equality.
    """
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def origin_of(url: str) -> str | None:
    """The origin of a full URL (a `Referer`), or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return normalize_origin(f"{parts.scheme}://{parts.netloc}") if parts.netloc else None
