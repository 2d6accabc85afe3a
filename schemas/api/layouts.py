"""`/v1/layouts` bodies: an email layout to create or replace, and layouts as answered.

The request schemas check shape only; what a layout must hold (the legal name, the postal
address, a version in the default locale) is the service's to judge (domain/layouts.py), so
that every part of a layout is refused with one set of messages.
"""

from marshmallow import Schema, fields, validate

from plumbing.vocabulary import LOCALES
from schemas.api.fields import RequestSchema, Text, text

_BIG = 2000
"""Far above the domain's limits, so that it, not the shape, names them."""


class LayoutVersionSchema(RequestSchema):
    """One locale's header (shop name, logo) and footer (legal name, postal address, why).

    The unsubscribe and preference links are not here: the mailer adds them to every email.
    """

    shop_name = Text(
        required=True,
        validate=validate.Length(max=_BIG),
        metadata={"description": "The shop's name in the email's header."},
    )
    logo_url = Text(
        load_default="",
        validate=validate.Length(max=_BIG),
        metadata={"description": "An absolute http(s) address of the logo; empty for none."},
    )
    legal_name = Text(
        required=True,
        validate=validate.Length(max=_BIG),
        metadata={"description": "The company as registered, in the footer."},
    )
    postal_address = Text(
        required=True,
        validate=validate.Length(max=_BIG),
        metadata={"description": "Where the shop can be written to by post, in the footer."},
    )
    why = Text(
        load_default="",
        validate=validate.Length(max=_BIG),
        metadata={
            "description": "Why the person gets this email; empty: the mailer's own sentence "
            '("You receive this email from <shop> because you agreed to it.").'
        },
    )


LayoutVersionsSchema = type(
    "LayoutVersionsSchema",
    (RequestSchema,),
    {locale: fields.Nested(LayoutVersionSchema) for locale in LOCALES},
)
"""One optional version per locale; the default locale's is required (the service checks)."""


class LayoutWriteSchema(RequestSchema):
    name = text(200, required=True)
    versions = fields.Nested(LayoutVersionsSchema, required=True)


class LayoutVersionAnswerSchema(Schema):
    shop_name = fields.String()
    logo_url = fields.String()
    legal_name = fields.String()
    postal_address = fields.String()
    why = fields.String()


class LayoutSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    versions = fields.Dict(keys=fields.String(), values=fields.Nested(LayoutVersionAnswerSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class LayoutsSchema(Schema):
    layouts = fields.List(fields.Nested(LayoutSchema), metadata={"description": "By name."})
    default = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(LayoutVersionAnswerSchema),
        metadata={
            "description": "The default layout, per locale: the brand settings "
            "(`CONSENT_BRAND_NAME`, `CONSENT_LEGAL_NAME`, ...), used by a campaign that "
            "names no layout and by the mailer's own emails."
        },
    )
