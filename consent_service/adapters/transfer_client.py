"""POSTing a signed export to a recipient's registered URL: plain urllib, no redirects.

A redirect is answered, not followed: the export would otherwise reach a URL nobody
registered. No proxy from the environment is used either, so the connection goes exactly where
the registration says. Certificates are verified (urllib's default context). The timeout
bounds the connection and each read; the answer's body is read only up to a small limit and
thrown away, since only the status matters.
"""

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

USER_AGENT = "consent-service-transfer/1"
MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class PostResult:
    status: int | None
    """The HTTP status, or None when no answer came (timeout, refused, TLS failure)."""
    detail: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


class HttpPoster:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        # The URL was registered and is checked again before each attempt: https, or http
        # to loopback outside production (domain/transfers.py), never file: or the like.
        request = urllib.request.Request(  # noqa: S310
            url, data=body, method="POST", headers=headers | {"User-Agent": USER_AGENT}
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read(MAX_ANSWER_BYTES)
                return PostResult(response.status, f"HTTP {response.status}")
        except urllib.error.HTTPError as error:
            error.close()
            redirect = " (redirects are not followed)" if 300 <= error.code < 400 else ""
            return PostResult(error.code, f"HTTP {error.code}{redirect}")
        except urllib.error.URLError as error:
            return PostResult(None, f"no answer: {error.reason}")
        except (TimeoutError, OSError) as error:
            return PostResult(None, f"no answer: {type(error).__name__}: {error}")
