"""Signed tokens in the links of every email: who, for which purpose, since when.

The mailer mints unsubscribe tokens for campaign emails and the registry honours them, and
the registry mints confirmation tokens the mailer puts in double opt-in emails; both sign
with `CONSENT_SECRET_KEY`, so the format lives here, in the package both import. A token
holds the subject id and the purpose, never an address, and is signed with a timestamp so
that it expires. One purpose-bound token serves both the unsubscribe and the preference
centre link of an email (docs/decisions/0010-links-and-tokens.md).
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadData, TimestampSigner

from schemas.vocabulary import CONSENT_PURPOSES

UNSUBSCRIBE_MAX_AGE = timedelta(days=90)
"""Links in an email keep working for at least 60 days (issue 4); we give 90."""

CONFIRM_MAX_AGE = timedelta(days=30)
"""As long as a pending consent waits for its confirmation (CONSENT_PENDING_TTL_DAYS)."""

ALL_EMAIL = "all"
"""The purpose of a token that is not about one purpose (a confirmation, a footer link)."""

_PURPOSES = frozenset(CONSENT_PURPOSES) | {ALL_EMAIL}


class InvalidToken(Exception):
    """Forged, mangled, expired or for another kind of link; the page says the link is bad."""


@dataclass(frozen=True)
class LinkClaim:
    subject_id: uuid.UUID
    purpose: str


class LinkSigner:
    """Signs and reads the two kinds of link token; each kind has its own salt.

    A compact `subject.purpose` payload with itsdangerous' timestamped HMAC keeps tokens
    short (about 70 characters) and cheap to mint, which matters at a million per run.
    """

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a secret key is needed to sign links")
        self._unsubscribe = TimestampSigner(secret_key, salt="consent-link/unsubscribe")
        self._confirm = TimestampSigner(secret_key, salt="consent-link/confirm")

    def unsubscribe_token(self, subject_id: uuid.UUID, purpose: str) -> str:
        return self._sign(self._unsubscribe, subject_id, purpose)

    def read_unsubscribe(self, token: str, max_age: timedelta = UNSUBSCRIBE_MAX_AGE) -> LinkClaim:
        return self._read(self._unsubscribe, token, max_age)

    def confirm_token(self, subject_id: uuid.UUID) -> str:
        return self._sign(self._confirm, subject_id, ALL_EMAIL)

    def read_confirm(self, token: str, max_age: timedelta = CONFIRM_MAX_AGE) -> LinkClaim:
        return self._read(self._confirm, token, max_age)

    @staticmethod
    def _sign(signer: TimestampSigner, subject_id: uuid.UUID, purpose: str) -> str:
        if purpose not in _PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        return signer.sign(f"{subject_id.hex}.{purpose}").decode("ascii")

    @staticmethod
    def _read(signer: TimestampSigner, token: str, max_age: timedelta) -> LinkClaim:
        try:
            payload = signer.unsign(token, max_age=max_age.total_seconds()).decode("ascii")
            subject_hex, purpose = payload.split(".", 1)
            subject_id = uuid.UUID(hex=subject_hex)
        except (BadData, ValueError, UnicodeDecodeError):
            raise InvalidToken("the link is not valid or has expired") from None
        if purpose not in _PURPOSES:
            raise InvalidToken("the link is not valid")
        return LinkClaim(subject_id, purpose)


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/u/{token}"


def preferences_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/preferences/{token}"


def confirm_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/confirm/{token}"
