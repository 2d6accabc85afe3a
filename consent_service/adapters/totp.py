"""Time-based one-time passwords (RFC 6238) for the console's optional second factor.

Six digits over 30-second steps with HMAC-SHA-1: what every authenticator app reads from the
QR code of `provisioning_uri`. A code is accepted in the step of the moment it is checked and
one step either side, as RFC 6238 section 5.2 advises for a phone whose clock drifts or a
person who types slowly; no wider, so a code overheard is useful for 90 seconds at most.

Refusing the same code twice is the caller's job, because it needs storage: `verify` answers
the step the code belongs to; the caller keeps the last step it accepted for the person and
refuses a code whose step is not later (RFC 6238 section 5.2, "the verifier MUST NOT accept
the second attempt of the OTP after the successful validation").
"""

import re
from datetime import datetime

import pyotp
from pyotp.exceptions import OTPVerificationError

DIGITS = 6
STEP_SECONDS = 30
WINDOW_STEPS = 1
_CODE = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    """A new shared secret: 160 random bits in base32, as RFC 4226 section 4 recommends."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The `otpauth://` URI an authenticator app reads (from a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def verify(secret: str, code: str, at: datetime) -> int | None:
    """The step `code` belongs to if it is valid at `at` (within one step), else None.

    Spaces are ignored (apps show `123 456`); anything but six ASCII digits is refused.
    """
    if at.tzinfo is None:
        raise ValueError("verify needs an aware datetime; a naive one would be read as local time.")
    typed = code.replace(" ", "")
    if not _CODE.fullmatch(typed):
        return None
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(
            typed, for_time=at, valid_window=WINDOW_STEPS
        )
    except OTPVerificationError:
        return None
