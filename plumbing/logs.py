"""Structured (JSON lines) logging that never writes an email address or a link token in clear.

Every line passes through two masks before it is written:
- anything shaped like an address becomes `<email:…>`, a digest keyed with a key derived from
  `CONSENT_SECRET_KEY`: two lines about one person still match, in the registry's and the
  mailer's logs alike (both derive the same key), but nobody without the secret can confirm a
  guessed address against a log, as anyone could against a plain hash;
- a link's token (the path after `/u/`, `/preferences/`, `/confirm/`, and any token-shaped
  string anywhere else, as in a query string or a Referer) becomes `<token>`, since the token
  is the key to a person's preferences, data and erasure.

Colour codes that libraries add for terminals (werkzeug) are dropped: a JSON line is read by
machines, and an escape sequence is noise in it. See docs/decisions/0022-logging-and-masking.md.
"""

import hashlib
import hmac
import json
import logging
import re
import secrets
import sys
from datetime import UTC, datetime
from typing import Any

from plumbing.tracebacks import format_exception

EMAIL_LIKE = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")

LINK_PATH = re.compile(r"(?P<route>/(?:u|preferences|confirm)/)(?!<token>)(?P<rest>[^\s\"'<>\\]+)")
"""A link page's path and whatever follows it up to the end of the URL (not yet masked)."""

TOKEN_LIKE = re.compile(r"\b[0-9a-f]{32}\.[\w.\-]+")
"""A link token anywhere: the subject id's 32 hex digits, then the signed remainder."""

ROUTE_WORD = re.compile(r"[a-z][a-z_\-]{0,31}")
"""A path segment or query name that is part of a route's shape (`undo`, `resend`, `lang`)."""

ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")

MASKED = "<token>"
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_LABEL = b"consent-service/log-mask/v1"

_key = secrets.token_bytes(32)
"""The mask key until the process is given the secret: masks then match within this process
only, which is safe (lines written before the settings were read hold no address anyway)."""


def mask_key(secret_key: str) -> bytes:
    """The key of the address mask, derived from the signing secret under a label of its own,
    so that the mask never equals anything else the secret signs."""
    return hmac.new(secret_key.encode(), _LABEL, hashlib.sha256).digest()


def mask_emails(text: str, key: bytes | None = None) -> str:
    used = key if key is not None else _key

    def _mask(match: re.Match[str]) -> str:
        digest = hmac.new(used, match.group().lower().encode(), hashlib.sha256).hexdigest()
        return f"<email:{digest[:12]}>"

    return EMAIL_LIKE.sub(_mask, text)


def mask_tokens(text: str) -> str:
    """Replace link tokens by `<token>`, keeping the route's shape (`/u/<token>/undo?lang=…`)."""
    return TOKEN_LIKE.sub(MASKED, LINK_PATH.sub(_link_shape, text))


def _link_shape(match: re.Match[str]) -> str:
    path, _, query = match["rest"].partition("?")
    _token, *after = path.split("/")
    shape = [segment if _is_route_word(segment) else MASKED for segment in after]
    masked = "/".join([match["route"] + MASKED, *shape])
    if not query:
        return masked
    names = [part.partition("=")[0] for part in query.split("&")]
    return masked + "?" + "&".join(f"{n if _is_route_word(n) else MASKED}=…" for n in names)


def _is_route_word(text: str) -> bool:
    return text == "" or ROUTE_WORD.fullmatch(text) is not None


def mask(text: str) -> str:
    """Everything a log line must not show in clear, masked: addresses and link tokens."""
    return mask_tokens(mask_emails(text))


def _without_escapes(value: Any) -> Any:
    if isinstance(value, str):
        return ANSI_ESCAPE.sub("", value)
    if isinstance(value, dict):
        return {key: _without_escapes(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_escapes(item) for item in value]
    return value


class JsonFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        _kind, error, _trace = ei
        return format_exception(error) if error is not None else super().formatException(ei)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        text = json.dumps(
            _without_escapes(entry),
            default=lambda value: _without_escapes(str(value)),
            ensure_ascii=False,
        )
        return mask(text)


def configure_logging(secret_key: str | None = None, level: int = logging.INFO) -> None:
    """Install the JSON formatter on the root logger once per process; with the secret, key
    the address mask with it (a process may call this first without, then with the secret)."""
    global _key
    if secret_key:
        _key = mask_key(secret_key)
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
