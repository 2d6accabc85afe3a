"""The purpose catalogue and policy documents."""

import re

from marshmallow import Schema, ValidationError, fields, validate, validates

from plumbing.vocabulary import LOCALES
from schemas.api.fields import Instant, RequestSchema, Text

LocalizedText = fields.Dict(keys=fields.String(), values=fields.String())


class PurposeSchema(Schema):
    id = fields.String()
    title = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.Dict(keys=fields.String(), values=fields.String())
    legal_basis = fields.String()
    channel = fields.String()
    double_opt_in = fields.Boolean()


class PurposesSchema(Schema):
    purposes = fields.List(fields.Nested(PurposeSchema))


class PolicySchema(Schema):
    version = fields.String()
    effective_at = fields.AwareDateTime()
    documents = fields.Dict(keys=fields.String(), values=fields.String())


class PoliciesSchema(Schema):
    policies = fields.List(fields.Nested(PolicySchema))


class PolicyCreateSchema(RequestSchema):
    version = Text(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$",
            error="Letters, digits, '.', '_' and '-', at most 32 characters.",
        ),
    )
    effective_at = Instant(required=True)
    documents = fields.Dict(
        keys=Text(validate=validate.OneOf(LOCALES)),
        values=Text(validate=validate.Length(min=1, max=200_000)),
        required=True,
        validate=validate.Length(min=1),
    )

    @validates("version")
    def _not_blank(self, value: str, **_: object) -> None:
        if not re.search(r"[A-Za-z0-9]", value):
            raise ValidationError("A version needs a letter or digit.")


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        metadata={
            "description": "422 only: each field of the body or query string with its "
            "messages; nested fields and list items (by index) as nested objects"
        }
    )
