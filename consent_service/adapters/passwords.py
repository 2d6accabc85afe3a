"""Staff passwords: Argon2id hashes (RFC 9106), checked without a hint of why they fail.

Argon2id with RFC 9106's second recommended parameters (64 MiB, 3 passes, 4 lanes; about a
third of a second on a busy 2-core machine) makes each guess at a stolen hash expensive. The
parameters live in the hash itself, so raising them later is safe: `needs_rehash` tells the
caller, after a successful login, that it should store `hash(password)` again.

A password is NFKC-normalised before hashing (NIST SP 800-63B 5.1.1.2), so the same password
typed on a keyboard that composes `ё` or `ң` differently still matches. An unknown address is
answered after `verify_nobody`, which spends the time of a real check, so that the time taken
does not tell an unknown address from a wrong password.
"""

import secrets
import unicodedata
from functools import cached_property

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from consent_service.domain.staff.sign_in import MAX_PASSWORD_LENGTH as MAX_LENGTH


class PasswordTooLong(ValueError):
    pass


def _prepared(password: str) -> bytes:
    # surrogatepass: a lone surrogate cannot come from a form, but must not raise either.
    return unicodedata.normalize("NFKC", password).encode("utf-8", "surrogatepass")


class Passwords:
    """Hashes and checks passwords with one set of Argon2id parameters (tests pass cheap ones)."""

    def __init__(self, parameters: Parameters = profiles.RFC_9106_LOW_MEMORY) -> None:
        self._hasher = PasswordHasher.from_parameters(parameters)

    def hash(self, password: str) -> str:
        if len(password) > MAX_LENGTH:
            raise PasswordTooLong(f"A password may have at most {MAX_LENGTH} characters.")
        return self._hasher.hash(_prepared(password))

    def verify(self, stored: str, password: str) -> bool:
        """Whether `password` is the one `stored` was made from; False for a stored value that
        is not an Argon2 hash at all, so a damaged row locks its owner out rather than in."""
        if len(password) > MAX_LENGTH or not stored.isascii():
            return False
        try:
            return self._hasher.verify(stored, _prepared(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was made with other parameters than these (ask after `verify`)."""
        if not stored.isascii():
            return True
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True

    def verify_nobody(self, password: str) -> bool:
        """Check `password` against a hash nobody has: as slow as `verify`, always False."""
        self.verify(self._nobody, password)
        return False

    @cached_property
    def _nobody(self) -> str:
        return self.hash(secrets.token_urlsafe(32))
