"""Fields and validators shared by the API schemas.

Every string an API body or query string carries is loaded by `Text` (or `text()`, which adds
bounds and the card-number check): a request schema has no plain `fields.String`, which
`tests/unit/schemas/test_request_schemas.py` checks. Instants are loaded by `Instant`.
"""

from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from plumbing.card_numbers import looks_like_card_number
from plumbing.text import storable

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
"""The instants the API accepts, [EARLIEST, LATEST): far wider than any policy date or
schedule needs, and far enough from the end of the calendar (year 9999) that a time-zone
conversion or a day added in the scheduler cannot overflow."""


class RequestSchema(Schema):
    """A request body or query string: unknown fields are refused, not ignored."""

    class Meta:
        unknown = RAISE


class Text(fields.String):
    """A string the registry can store: no NUL character, no unpaired surrogate
    (`plumbing/text.py` says why)."""

    default_error_messages = {
        "unstorable": "Text may not contain NUL characters or unpaired surrogates.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        loaded = super()._deserialize(value, attr, data, **kwargs)
        if not storable(loaded):
            raise self.make_error("unstorable")
        return loaded


class Instant(fields.AwareDateTime):
    """An ISO 8601 datetime with a UTC offset, between EARLIEST and LATEST."""

    default_error_messages = {
        "out_of_range": "Give an instant from 1970 to 2999 (UTC).",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        loaded = super()._deserialize(value, attr, data, **kwargs)
        try:
            in_utc = loaded.astimezone(UTC)
        except OverflowError:
            raise self.make_error("out_of_range") from None
        if not EARLIEST <= in_utc < LATEST:
            raise self.make_error("out_of_range")
        return loaded


class StrictBoolean(fields.Boolean):
    """Only JSON true or false: a consent is never inferred from "yes", 1 or "on"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


def no_card_number(value: str) -> None:
    if looks_like_card_number(value):
        raise ValidationError("Looks like a payment card number; card data is never stored.")


def text(max_length: int, **kwargs: Any) -> Text:
    """A free-text field, bounded, and never a card number."""
    return Text(validate=[validate.Length(min=1, max=max_length), no_card_number], **kwargs)
