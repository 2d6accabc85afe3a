"""Email addresses as the registry stores and compares them.

The stored form is `plumbing.emails`' (shared with the API schemas, which check an address
before anything runs). Lookup and uniqueness use the whole address lower-cased, as the
contract says, so that "Aigul@x.kg" and "aigul@x.kg" are one person.
"""

from consent_service.domain.errors import InvalidEmail
from plumbing import emails


def normalize_email(raw: str) -> str:
    """Return the address to store, or raise InvalidEmail with a reason a person can act on."""
    try:
        return emails.normalize_email(raw)
    except emails.InvalidAddress as error:
        raise InvalidEmail(str(error)) from None


def email_key(email: str) -> str:
    """The case-insensitive form used for lookup and uniqueness."""
    return email.lower()
