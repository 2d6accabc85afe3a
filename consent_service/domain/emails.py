"""Email addresses as the registry stores and compares them.

An address is stored as given apart from surrounding white space and a lower-cased domain
(the local part may be case-sensitive for the mail server, so it is kept). Lookup and
uniqueness use the whole address lower-cased, as the contract says, so that "Aigul@x.kg" and
"aigul@x.kg" are one person.
"""

from email_validator import EmailNotValidError, validate_email

from consent_service.domain.errors import InvalidEmail

MAX_EMAIL_LENGTH = 254  # RFC 5321 section 4.5.3.1.3 (path limit less the angle brackets)


def normalize_email(raw: str) -> str:
    """Return the address to store, or raise InvalidEmail with a reason a person can act on."""
    candidate = raw.strip()
    if not candidate:
        raise InvalidEmail("An email address is required.")
    if len(candidate) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(f"An email address has at most {MAX_EMAIL_LENGTH} characters.")
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidEmail(f"Not a valid email address: {error}") from None
    local, _, domain = checked.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


def email_key(email: str) -> str:
    """The case-insensitive form used for lookup and uniqueness."""
    return email.lower()
