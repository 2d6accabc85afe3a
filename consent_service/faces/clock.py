"""The clock of every face: one `now()`, aware and in UTC, read once per request."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
