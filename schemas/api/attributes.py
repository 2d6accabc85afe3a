"""The `attributes` field of a subject in a request body (SPEC 10, decision 0047)."""

from typing import Any

from marshmallow import ValidationError, fields

from plumbing.attributes import (
    InvalidAttributes,
    merged_attributes,
    valid_attributes,
)


class Attributes(fields.Field[dict[str, Any]]):
    """A flat map of attribute names to values; with `removals`, a value may be null (the
    PATCH that removes that key). A refusal is reported under the key it is about."""

    def __init__(self, *, removals: bool = False, **kwargs: Any) -> None:
        value: dict[str, Any] = {"type": ["string", "number", "boolean"], "maxLength": 200}
        if removals:
            value["type"].append("null")
        shape = {
            "type": "object",
            "maxProperties": 100 if removals else 50,
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,39}$"},
            "additionalProperties": value,
        }
        kwargs["metadata"] = shape | kwargs.get("metadata", {})
        super().__init__(**kwargs)
        self.removals = removals

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            if self.removals:
                merged_attributes({}, value)
                return dict(value)
            return valid_attributes(value)
        except InvalidAttributes as error:
            key = (error.field or "").partition(".")[2]
            raise ValidationError({key: [error.message]} if key else [error.message]) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value
