"""The subject as the API answers it, its ledger history, and its rectification."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plumbing.vocabulary import LOCALES
from schemas.api.attributes import Attributes
from schemas.api.consents import valid_email
from schemas.api.fields import RequestSchema, Text, text


class ConsentStateSchema(Schema):
    status = fields.String()
    updated_at = fields.AwareDateTime()
    policy_version = fields.String()
    source = fields.String()


class SubjectSchema(Schema):
    subject_id = fields.UUID()
    email = fields.String()
    locale = fields.String()
    name = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    attributes = fields.Dict(keys=fields.String(), values=fields.Raw())
    version = fields.Integer()
    consents = fields.Dict(keys=fields.String(), values=fields.Nested(ConsentStateSchema))


class HistoryEntrySchema(Schema):
    version = fields.Integer()
    kind = fields.String()
    purpose = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    previous_status = fields.String(allow_none=True)
    source = fields.String()
    actor = fields.String()
    policy_version = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()
    hash = fields.String()
    gpc = fields.Boolean(
        metadata={"description": "The change came with a `Sec-GPC: 1` header (decision 0039)."}
    )


class HistorySchema(Schema):
    subject_id = fields.UUID()
    entries = fields.List(fields.Nested(HistoryEntrySchema))


class SubjectLookupSchema(RequestSchema):
    """`GET /v1/subjects?email=`: the address to look up (a blank one is the route's 400)."""

    email = Text(load_default="")


class SubjectPatchSchema(RequestSchema):
    """`PATCH /v1/subjects/{id}`: any of the rectifiable fields; a name or external id may be
    cleared with null, the address and the locale may not."""

    email = Text(validate=valid_email)
    locale = Text(validate=validate.OneOf(LOCALES))
    name = text(200, allow_none=True)
    external_id = text(200, allow_none=True)
    attributes = Attributes(
        removals=True,
        metadata={
            "description": "Keys given replace, a key given as null is removed (decision 0047)."
        },
    )

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError(
                "Give at least one of email, locale, name, external_id, attributes."
            )
