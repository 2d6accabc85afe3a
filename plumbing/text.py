"""Text the registry can keep: no NUL character and no unpaired surrogate.

PostgreSQL cannot store NUL in a text value, and a lone surrogate (what JSON's `"\\ud800"`
escape decodes to) cannot be encoded as UTF-8, so the database driver fails on either. Such
text is refused where it comes in (the API schemas, SendGrid events), before any query runs:
otherwise the request fails half-way through with a 500, and a sender that retries on errors
(SendGrid retries a whole delivery) sends it again and again.
"""

NUL = "\x00"


def storable(text: str) -> bool:
    """Whether the database can keep `text` as it is."""
    if NUL in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
