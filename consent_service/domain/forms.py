"""Public sign-up forms: what a form offers, where it may be posted from, what a post asks.

A form is public: anyone can fill it in with any address. So a submission only ever asks
(every purpose it names waits for the confirmation link, decision 0016), never refuses
(an unticked box is not a "no": the form cannot withdraw anything), and the origins a
shop's site may post from are named explicitly, scheme, host and port.
"""

from dataclasses import dataclass
from datetime import datetime

from consent_service.domain.errors import Conflict, DomainError
from plumbing.origins import normalize_origin

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
