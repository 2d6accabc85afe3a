"""Signed tokens in the links of every email: who, which purpose, what for, since when.

The mailer mints unsubscribe and preference-centre tokens for campaign emails and the
registry honours them; the registry mints the confirmation tokens the mailer puts in double
opt-in emails. Both sign with `CONSENT_SECRET_KEY`, so the format lives here, in the package
both import. A token holds the subject id and the purpose, never an address, and is signed
with a timestamp so that it expires. Each intent signs with its own salt, so an unsubscribe
token cannot open the preference centre and neither can confirm a subscription
(docs/decisions/0010-links-and-tokens.md, 0011-public-pages.md).

Rotating the secret: the new key signs, and every key in `CONSENT_PREVIOUS_SECRET_KEYS`
still verifies, so links already in people's inboxes keep working for their lifetime.
"""

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from itsdangerous import BadData, SignatureExpired, TimestampSigner

from plumbing.vocabulary import CONSENT_PURPOSES

ALL_EMAIL = "all"
"""The purpose of a token that is not about one purpose (a confirmation, a footer link)."""

_PURPOSES = frozenset(CONSENT_PURPOSES) | {ALL_EMAIL}


class Intent(StrEnum):
    UNSUBSCRIBE = "unsubscribe"
    PREFERENCES = "preferences"
    CONFIRM = "confirm"


UNSUBSCRIBE_MAX_AGE = timedelta(days=90)
"""Links in an email keep working for at least 60 days (issue 4); we give 90."""

PREFERENCES_MAX_AGE = timedelta(days=90)
"""The preference-centre link sits next to the unsubscribe link and lives as long."""

CONFIRM_MAX_AGE = timedelta(days=7)
"""Default lifetime of a double opt-in link (`CONSENT_CONFIRM_TOKEN_DAYS`)."""


class InvalidToken(Exception):
    """Forged, mangled, or for another kind of link; the page says the link is bad."""


class ExpiredToken(InvalidToken):
    """Genuine but too old: the page can still offer to send a fresh link to its subject."""

    def __init__(self, claim: "LinkClaim") -> None:
        super().__init__("the link has expired")
        self.claim = claim


@dataclass(frozen=True)
class LinkClaim:
    subject_id: uuid.UUID
    purpose: str
    intent: Intent
    issued_at: datetime


class LinkSigner:
    """Signs and reads link tokens; each intent has its own salt and lifetime.

    A compact `subject.purpose` payload with itsdangerous' timestamped HMAC keeps tokens
    short (about 70 characters) and cheap to mint, which matters at a million per run.
    Confirmation tokens also carry a random nonce: they are single-use, and two links minted
    in the same second must still be told apart.
    """

    def __init__(
        self,
        secret_key: str,
        previous_keys: Sequence[str] = (),
        *,
        confirm_max_age: timedelta = CONFIRM_MAX_AGE,
    ) -> None:
        if not secret_key:
            raise ValueError("a secret key is needed to sign links")
        # itsdangerous signs with the last key and verifies with any of them, newest first.
        keys = [key for key in previous_keys if key] + [secret_key]
        self._signers = {
            intent: TimestampSigner(keys, salt=f"consent-link/{intent.value}") for intent in Intent
        }
        self._max_age = {
            Intent.UNSUBSCRIBE: UNSUBSCRIBE_MAX_AGE,
            Intent.PREFERENCES: PREFERENCES_MAX_AGE,
            Intent.CONFIRM: confirm_max_age,
        }

    def unsubscribe_token(self, subject_id: uuid.UUID, purpose: str) -> str:
        return self._sign(Intent.UNSUBSCRIBE, subject_id, purpose)

    def preferences_token(self, subject_id: uuid.UUID) -> str:
        return self._sign(Intent.PREFERENCES, subject_id, ALL_EMAIL)

    def confirm_token(self, subject_id: uuid.UUID) -> str:
        return self._sign(Intent.CONFIRM, subject_id, ALL_EMAIL, secrets.token_hex(4))

    def read(self, intent: Intent, token: str) -> LinkClaim:
        """The claim of a valid token; ExpiredToken if genuine but old, else InvalidToken."""
        signer = self._signers[intent]
        try:
            payload, signed_at = signer.unsign(
                token, max_age=self._max_age[intent] // timedelta(seconds=1), return_timestamp=True
            )
        except SignatureExpired as expired:
            if expired.payload is None or expired.date_signed is None:
                raise InvalidToken("the link is not valid") from None
            raise ExpiredToken(_claim(intent, expired.payload, expired.date_signed)) from None
        except BadData:
            raise InvalidToken("the link is not valid") from None
        return _claim(intent, payload, signed_at)

    def expires_at(self, claim: LinkClaim) -> datetime:
        """When the claim's token stops working: a used token need not be remembered longer."""
        return claim.issued_at + self._max_age[claim.intent]

    def _sign(self, intent: Intent, subject_id: uuid.UUID, purpose: str, *extra: str) -> str:
        if purpose not in _PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        payload = ".".join((subject_id.hex, purpose, *extra))
        return self._signers[intent].sign(payload).decode("ascii")


def _claim(intent: Intent, payload: bytes, signed_at: datetime) -> LinkClaim:
    try:
        subject_hex, purpose, *_ = payload.decode("ascii").split(".")
        subject_id = uuid.UUID(hex=subject_hex)
    except (ValueError, UnicodeDecodeError):
        raise InvalidToken("the link is not valid") from None
    if purpose not in _PURPOSES:
        raise InvalidToken("the link is not valid")
    return LinkClaim(subject_id, purpose, intent, signed_at.astimezone(UTC))


def token_digest(token: str) -> bytes:
    """What the registry keeps of a used single-use token: enough to recognise, not to reuse.

    It digests the signed value (payload and timestamp), not the whole token: the signature's
    last base64 character has spare bits the decoder ignores, so one genuine token has several
    spellings, and a digest of the spelling would let each of them be used once more.
    """
    signed_value = token.rpartition(".")[0] or token
    return hashlib.sha256(signed_value.encode("ascii", "replace")).digest()


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/u/{token}"


def preferences_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/preferences/{token}"


def confirm_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/confirm/{token}"
