"""Structured (JSON lines) logging that never writes an email address in clear.

Every record passes through a mask: anything shaped like an address is replaced by a short
SHA-256 digest of it, so two lines about one person can still be matched without showing the
address; the registry and the mailer both log through it, so lines match across both parts.
"""

import hashlib
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

EMAIL_LIKE = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def mask_emails(text: str) -> str:
    def _mask(match: re.Match[str]) -> str:
        digest = hashlib.sha256(match.group().lower().encode()).hexdigest()[:12]
        return f"<email:{digest}>"

    return EMAIL_LIKE.sub(_mask, text)


class JsonFormatter(logging.Formatter):
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
        return mask_emails(json.dumps(entry, default=str, ensure_ascii=False))


def configure_logging(level: int = logging.INFO) -> None:
    """Install the JSON formatter on the root logger once per process."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
