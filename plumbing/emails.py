"""Email addresses as the registry stores them.

An address is stored as given apart from surrounding white space and a lower-cased domain
(the local part may be case-sensitive for the mail server, so it is kept). The API schemas
check an address with this before anything runs, the registry's domain again when it stores
one, each raising its own error with the reason given here.
"""

from email_validator import EmailNotValidError, validate_email

MAX_EMAIL_LENGTH = 254  # RFC 5321 section 4.5.3.1.3 (path limit less the angle brackets)


class InvalidAddress(ValueError):
    """Not an address to store; the message says why, in words a person can act on."""


def normalize_email(raw: str) -> str:
    """Return the address to store, or raise InvalidAddress with the reason."""
    candidate = raw.strip()
    if not candidate:
        raise InvalidAddress("An email address is required.")
    if len(candidate) > MAX_EMAIL_LENGTH:
        raise InvalidAddress(f"An email address has at most {MAX_EMAIL_LENGTH} characters.")
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidAddress(f"Not a valid email address: {error}") from None
    local, _, domain = checked.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"
