"""POSTing a signed export to a recipient's registered URL: plain http.client, no redirects.

A redirect is answered, not followed: the export would otherwise reach a URL nobody
registered. No proxy from the environment is used either, so the connection goes exactly where
the registration says. Certificates are verified against the URL's host name (the default
context). The timeout bounds the connection and each read; the answer's body is read only up
to a small limit and thrown away, since only the status matters.

In production the caller resolves the host itself, vets every address (domain/transfers.py)
and passes the vetted ones as `connect_to`: the connection then goes to one of them and never
asks DNS again, so a name that answers differently a moment later (DNS rebinding) cannot
steer the export to an internal host. TLS still verifies the certificate for the host name.
"""

import http.client
import socket
import ssl
from collections.abc import Sequence
from urllib.parse import urlsplit

from consent_service.domain.transfers import url_host_and_port
from consent_service.services.ports.transfers import PostResult

USER_AGENT = "consent-service-transfer/1"
MAX_ANSWER_BYTES = 64 * 1024


def _connect_any(addresses: Sequence[str], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of these addresses that answers."""
    failure: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as error:
            failure = error
    raise failure


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the URL's host name, over a connection to addresses vetted beforehand."""

    def __init__(
        self, host: str, port: int, addresses: Sequence[str], timeout: float, tls: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=tls)
        self._addresses, self._tls = addresses, tls

    def connect(self) -> None:
        raw = _connect_any(self._addresses, self.port, self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


class SystemResolver:
    """The machine's own resolver (getaddrinfo: /etc/hosts, then DNS)."""

    def resolve(self, host: str, port: int) -> list[str]:
        """Every address the host name resolves to now, in the resolver's order; OSError if
        it resolves to none."""
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in found))


class HttpPoster(SystemResolver):
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self.tls = ssl.create_default_context()

    def post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        connect_to: Sequence[str] | None = None,
    ) -> PostResult:
        """POST once; `connect_to` pins the connection to these (vetted) addresses.

        The URL was registered and is checked again before each attempt: https, or http to
        loopback outside production (domain/transfers.py), never file: or the like.
        """
        parts = urlsplit(url)
        host, port = url_host_and_port(url)
        connection = self._connection(parts.scheme, host, port, connect_to)
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        try:
            sent = headers | {"User-Agent": USER_AGENT}
            connection.request("POST", target, body=body, headers=sent)
            with connection.getresponse() as response:
                response.read(MAX_ANSWER_BYTES)
                status = response.status
        except (OSError, http.client.HTTPException) as error:
            return PostResult(None, f"no answer: {type(error).__name__}: {error}")
        finally:
            connection.close()
        redirect = " (redirects are not followed)" if 300 <= status < 400 else ""
        return PostResult(status, f"HTTP {status}{redirect}")

    def _connection(
        self, scheme: str, host: str, port: int, connect_to: Sequence[str] | None
    ) -> http.client.HTTPConnection:
        if connect_to is not None:
            if scheme != "https":
                raise ValueError("only https connections are pinned to vetted addresses")
            return _PinnedHTTPSConnection(host, port, connect_to, self.timeout, self.tls)
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self.tls)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)
