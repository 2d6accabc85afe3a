"""Web origins as browsers send them, so that a stored origin compares by string equality."""

from urllib.parse import urlsplit


def normalize_origin(raw: str) -> str | None:
    """`scheme://host[:port]` lower-cased, default port dropped; None if it is not one.

    Browsers send the `Origin` header in exactly this shape (RFC 6454 section 6.1), so a
    stored origin compares equal to the header by plain string equality.
    """
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    default = 443 if parts.scheme == "https" else 80
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def origin_of(url: str) -> str | None:
    """The origin of a full URL (a `Referer`), or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return normalize_origin(f"{parts.scheme}://{parts.netloc}") if parts.netloc else None
