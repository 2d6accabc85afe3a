"""Direct transfers (GDPR Art. 20(2)) in plain Python: which URLs, how signed, when retried.

An admin registers a recipient once (`consent recipients add NAME URL`) and only its stored
URL is ever called. Each attempt POSTs the JSON export signed with the recipient's secret:
`X-Consent-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>` with the
Unix time in `X-Consent-Timestamp`, so the recipient can check both origin and freshness.
In production only public addresses may receive it: the host is resolved and every address
checked when the recipient is registered and again before each attempt, and the attempt
connects to an address so checked (decision 0020).
"""

import hashlib
import hmac
import ipaddress
import re
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from consent_service.domain.errors import DomainError

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""A recipient's name: what the API's `{"recipient": NAME}` says, and a word in logs."""

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(seconds=5)
LONGEST_WAIT = timedelta(minutes=15)
"""Ten attempts over about 43 minutes (5 s, 10 s, 20 s ... doubling, at most 15 min apart)."""

RETRYABLE_STATUSES = frozenset({408, 425, 429})
"""Client errors that say "later", not "no": timeouts and rate limits."""


class TransferStatus(StrEnum):
    PENDING = "pending"
    """Waiting for its next attempt (or in one; the attempt holds a lease)."""
    DELIVERED = "delivered"
    FAILED = "failed"


class Verdict(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


class InvalidRecipient(DomainError):
    """A name or URL an admin may not register."""


def check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise InvalidRecipient(
            "A recipient's name is 1 to 100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
            field="name",
        )


DEFAULT_PORTS = {"https": 443, "http": 80}


def url_host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or DEFAULT_PORTS.get(parts.scheme, 443)


def url_refusal(url: str, *, production: bool) -> str | None:
    """Why this URL may not receive personal data, or None if it may.

    https anywhere; plain http only to a loopback address (a recipient on the same machine,
    for development and tests) and never in production. No credentials in the URL: it is
    shown in listings and logs, the secret is what authenticates.
    """
    try:
        parts = urlsplit(url)
        if parts.port == 0:  # reading the port also refuses a malformed one
            return "it must not name port 0"
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "it must be an https:// URL with a host"
    if parts.username is not None or parts.password is not None:
        return "it must not carry credentials; the shared secret authenticates transfers"
    if parts.fragment:
        return "it must not have a #fragment"
    if parts.scheme == "http":
        if production:
            return "plain http is refused when CONSENT_ENV=production; use https"
        if not _is_loopback(parts.hostname):
            return "plain http is only allowed to a loopback address (127.0.0.1, ::1, localhost)"
    return None


def check_url(url: str, *, production: bool) -> None:
    refusal = url_refusal(url, production=production)
    if refusal is not None:
        raise InvalidRecipient(f"Refused URL: {refusal}.", field="url")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
"""The well-known NAT64 prefix (RFC 6052): its last 32 bits are the IPv4 host reached."""

_INTERNAL_KINDS = (
    ("is_unspecified", "an unspecified address"),
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_multicast", "a multicast address"),
    ("is_private", "a private address"),
    ("is_reserved", "a reserved address"),
)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 host an IPv6 address reaches: IPv4-mapped, NAT64 or 6to4."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def address_refusal(address: str) -> str | None:
    """Why a transfer may not connect to this resolved IP address in production, or None.

    Only globally reachable unicast addresses may receive personal data: anything else is
    the registry's own machine or network (a database port, a cloud's metadata service at
    169.254.169.254). An IPv6 address that carries an IPv4 one is judged by the IPv4 host.
    """
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.partition("%")[0]
        )
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        reason = address_refusal(str(inner))
        return f"{reason} (carried in {ip})" if reason else None
    for flag, kind in _INTERNAL_KINDS:
        if getattr(ip, flag):
            return f"{ip} is {kind}"
    if not ip.is_global:
        return f"{ip} is not globally reachable"
    return None


def resolved_refusal(host: str, addresses: list[str]) -> str | None:
    """Why a host that resolved to these addresses may not receive a transfer, or None.

    Every address must be public: a name answering one public and one internal address
    could otherwise be steered to the internal one.
    """
    if not addresses:
        return f"{host} has no address"
    for address in addresses:
        reason = address_refusal(address)
        if reason is not None:
            return f"{host} resolves to {reason}; transfers go only to public addresses"
    return None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Consent-Signature` value of a body sent at `timestamp` (Unix seconds)."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verdict(status: int | None) -> Verdict:
    """What an answer means: 2xx delivered; no answer, 5xx or "later" retried; the rest final.

    A redirect is never followed (the data would go to a URL nobody registered), and a
    3xx or a plain 4xx will not change by asking again: the admin fixes the registration and
    requests a new transfer.
    """
    if status is None or status >= 500 or status in RETRYABLE_STATUSES:
        return Verdict.RETRY
    if 200 <= status < 300:
        return Verdict.DELIVERED
    return Verdict.FAILED


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed attempts; None when none is left."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return min(FIRST_RETRY * 2.0 ** (attempts - 1), LONGEST_WAIT)
