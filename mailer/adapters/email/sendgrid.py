"""Delivery through SendGrid's v3 Mail Send API with the official client.

One request carries one content and up to 1000 personalizations (SendGrid's limit), each
with its recipient, its placeholder values (`substitutions`), its List-Unsubscribe headers
and its opaque ids (`custom_args`): SendGrid fills the placeholders in, so a batch of a
thousand costs one HTTP request. What the answer means:

- 2xx: SendGrid took every personalization (`sent`; delivery is reported by webhooks).
- 429: wait `Retry-After` (at most a minute each time) and ask again, a bounded number of
  times; 5xx, or no connection at all: exponential backoff, at most `max_attempts` tries.
  Until the request has been sent whole, SendGrid cannot have acted on it, so retrying
  never sends twice.
- Any other 4xx: the request is wrong and will stay wrong: `failed` with SendGrid's words.
- A timeout or a dropped connection after the request was sent: `unknown`; SendGrid may
  have queued it, and a retry could send every email of the batch twice.
"""

import http.client
import json
import logging
import time
from collections.abc import Callable, Sequence
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any
from urllib.error import URLError

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import (
    ClickTracking,
    OpenTracking,
    SubscriptionTracking,
    TrackingSettings,
)

from mailer.domain.outgoing import Envelope, Outcome, OutcomeKind, Outgoing

log = logging.getLogger(__name__)

DEFAULT_HOST = "https://api.sendgrid.com"
MAX_PERSONALIZATIONS = 1000

TRACKING_OFF = TrackingSettings(
    click_tracking=ClickTracking(enable=False, enable_text=False),
    open_tracking=OpenTracking(enable=False),
    subscription_tracking=SubscriptionTracking(enable=False),
).get()
"""Every request switches off what the account may have switched on: click tracking
rewrites our links (the unsubscribe link included) through SendGrid, open tracking adds a
pixel that reports who read what, and subscription tracking adds a second unsubscribe link
beside our List-Unsubscribe headers. None of it is consented to, so none of it may run."""


class SendGridBackend:
    max_envelopes = MAX_PERSONALIZATIONS

    def __init__(
        self,
        api_key: str,
        sender: str,
        host: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 60.0,
        max_attempts: int = 5,
        max_rate_limited: int = 30,
        max_wait: float = 60.0,
    ) -> None:
        self._client = SendGridAPIClient(api_key=api_key, host=(host or DEFAULT_HOST).rstrip("/"))
        name, address = parseaddr(sender)
        self._from = {"email": address, **({"name": name} if name else {})}
        self._sleep = sleep
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._max_rate_limited = max_rate_limited
        self._max_wait = max_wait

    def send(self, outgoing: Outgoing) -> list[Outcome]:
        envelopes = list(outgoing.envelopes)
        kinds: list[tuple[OutcomeKind, str | None]] = [("failed", None)] * len(envelopes)
        for indexes in request_groups(envelopes):
            body = self.request_body(outgoing, [envelopes[i] for i in indexes])
            result = self._post(body, outgoing)
            for i in indexes:
                kinds[i] = result
        return [
            Outcome(envelope.subject_id, kind, reason)
            for envelope, (kind, reason) in zip(envelopes, kinds, strict=True)
        ]

    def request_body(self, outgoing: Outgoing, envelopes: Sequence[Envelope]) -> dict[str, Any]:
        """The Mail Send body: the shared content once, a personalization per envelope."""
        content = outgoing.content
        return {
            "personalizations": [_personalization(envelope) for envelope in envelopes],
            "from": self._from,
            "subject": content.subject,
            "content": [
                {"type": kind, "value": value}
                for kind, value in (("text/plain", content.text), ("text/html", content.html))
                if value
            ],
            "categories": [outgoing.category],
            "tracking_settings": TRACKING_OFF,
        }

    def _post(self, body: dict[str, Any], outgoing: Outgoing) -> tuple[OutcomeKind, str | None]:
        attempts = rate_limited = 0
        context = {
            "category": outgoing.category,
            "run_id": outgoing.envelopes[0].custom_args.get("run_id"),
            "personalizations": len(body["personalizations"]),
        }
        while True:
            try:
                self._client.client.mail.send.post(request_body=body, timeout=self._timeout)
            except HTTPError as error:
                status, messages = error.status_code, _messages(error.body)
                if status == 429:
                    rate_limited += 1
                    if rate_limited > self._max_rate_limited:
                        return "failed", f"SendGrid kept answering 429 ({messages})"
                    wait = self._retry_after(error.headers)
                elif status >= 500:
                    attempts += 1
                    if attempts >= self._max_attempts:
                        return "failed", f"SendGrid answered {status} {attempts} times ({messages})"
                    wait = self._backoff(attempts)
                else:
                    return "failed", f"SendGrid refused the request with {status} ({messages})"
                self._log_retry(context, status, attempts + rate_limited, wait)
            except URLError as error:
                # Raised while connecting or writing the request: SendGrid never had all of it.
                attempts += 1
                if attempts >= self._max_attempts:
                    return "failed", f"cannot reach SendGrid: {error.reason}"
                wait = self._backoff(attempts)
                self._log_retry(context, None, attempts, wait)
            except (OSError, http.client.HTTPException) as error:
                log.warning("sendgrid answer lost", extra={"event": "sendgrid_unknown", **context})
                return "unknown", f"no answer from SendGrid to a sent request: {error!r}"
            else:
                return "sent", None
            self._sleep(wait)

    def _backoff(self, attempts: int) -> float:
        return min(2.0 ** (attempts - 1), self._max_wait)

    def _retry_after(self, headers: Any) -> float:
        """Seconds to wait from `Retry-After` (seconds or an HTTP date), within bounds."""
        raw = str((headers or {}).get("Retry-After", ""))
        try:
            wait = float(raw)
        except (TypeError, ValueError):
            try:
                wait = parsedate_to_datetime(raw).timestamp() - time.time()
            except (TypeError, ValueError):
                wait = 1.0
        return min(max(wait, 0.0), self._max_wait)

    @staticmethod
    def _log_retry(context: dict[str, Any], status: int | None, attempt: int, wait: float) -> None:
        retry = {"status": status, "attempt": attempt, "wait_seconds": wait}
        log.warning("sendgrid retry", extra={"event": "sendgrid_retry", **retry, **context})


def request_groups(envelopes: Sequence[Envelope]) -> list[list[int]]:
    """Envelope indexes per request: at most 1000 each, and no address twice in one.

    SendGrid refuses a whole request that names an address twice; a duplicate goes to the
    next request instead of costing the other 999 their email.
    """
    batches: list[tuple[list[int], set[str]]] = []
    for index, envelope in enumerate(envelopes):
        address = envelope.address.lower()
        for indexes, seen in batches:
            if len(indexes) < MAX_PERSONALIZATIONS and address not in seen:
                break
        else:
            indexes, seen = [], set()
            batches.append((indexes, seen))
        indexes.append(index)
        seen.add(address)
    return [indexes for indexes, _ in batches]


def _personalization(envelope: Envelope) -> dict[str, Any]:
    personalization: dict[str, Any] = {"to": [{"email": envelope.address}]}
    for key in ("substitutions", "headers", "custom_args"):
        value = getattr(envelope, key)
        if value:
            personalization[key] = dict(value)
    return personalization


def _messages(body: bytes | str | None) -> str:
    """SendGrid's error messages, with the field each is about; the raw body otherwise."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        errors = json.loads(body or "")["errors"]
        text = "; ".join(
            f"{e.get('message')}" + (f" ({e['field']})" if e.get("field") else "") for e in errors
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        text = (body or "").strip()
    return text[:1000] or "no details"
