"""Fields and validators shared by the API schemas."""

from typing import Any

from marshmallow import ValidationError, fields, validate

from consent_service.domain.card_numbers import looks_like_card_number


class StrictBoolean(fields.Boolean):
    """Only JSON true or false: a consent is never inferred from "yes", 1 or "on"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


def no_card_number(value: str) -> None:
    if looks_like_card_number(value):
        raise ValidationError("Looks like a payment card number; card data is never stored.")


def text(max_length: int, **kwargs: Any) -> fields.String:
    """A free-text field, bounded, and never a card number."""
    return fields.String(
        validate=[validate.Length(min=1, max=max_length), no_card_number], **kwargs
    )
