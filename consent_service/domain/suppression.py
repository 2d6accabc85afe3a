"""The suppression list: addresses that must not come back by themselves, kept as keyed hashes.

After erasure nothing may hold the address (SPEC guarantee 7), yet an import of an old list
must not silently bring the person back, and an address that hard-bounced must not be
mailed again. So the list keeps only an HMAC of the lower-cased address under a key derived
from the secret key: it can answer "is this address suppressed?" for an address someone
presents, but cannot be reversed or matched against a list of addresses without the key.
"""

import hashlib
import hmac
from collections.abc import Iterable
from enum import StrEnum


class SuppressionReason(StrEnum):
    ERASED = "erased"
    """The person had their data erased; fresh evidence of consent (a form) may bring them back."""
    HARD_BOUNCE = "hard_bounce"
    """The mailbox does not exist; no campaign email goes there again."""
    INVALID_ADDRESS = "invalid_address"
    """The email provider dropped the address as invalid."""


def address_hash(secret_key: str, email_key: str) -> bytes:
    """The keyed hash stored for an address (its case-insensitive `email_key`)."""
    key = hashlib.sha256(b"consent-suppression\n" + secret_key.encode()).digest()
    return hmac.new(key, email_key.encode(), hashlib.sha256).digest()


def address_hashes(secret_keys: Iterable[str], email_key: str) -> list[bytes]:
    """The hashes under the current and every previous secret key, to look up after rotation."""
    return [address_hash(key, email_key) for key in secret_keys if key]


UNDELIVERABLE = frozenset({SuppressionReason.HARD_BOUNCE, SuppressionReason.INVALID_ADDRESS})
"""Reasons that stop campaign email to whoever holds the address. An erased address held
again was brought back by fresh consent, so `ERASED` does not stop it."""

LIFTABLE = UNDELIVERABLE
"""Reasons staff may lift by hand: a mailbox that bounced or was dropped as invalid may work
again. An erasure's suppression is never lifted by hand: only the person's fresh consent
brings their address back (decision 0045)."""
