"""`/v1/forms` bodies (admin) and the JSON body of a public submission to `/f/{form_id}`."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from plumbing.origins import normalize_origin
from plumbing.vocabulary import CONSENT_PURPOSES, FORM_ID, FORM_SOURCES, LOCALES
from schemas.api.consents import valid_email
from schemas.api.fields import RequestSchema, Text

MAX_ORIGINS = 20


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Name each one once.")


def _origin(value: str) -> None:
    """Checked item by item, so that a message names the index of the origin it is about."""
    if normalize_origin(value) is None:
        raise ValidationError("An origin is scheme://host[:port], with no path.")


def _http_url(value: str) -> None:
    validate.URL(schemes={"http", "https"}, require_tld=False)(value)


class FormCreateSchema(RequestSchema):
    form_id = Text(
        required=True,
        validate=validate.Regexp(
            f"^{FORM_ID.pattern}$",
            error="Lower-case letters, digits, '-' and '_', at most 50 characters.",
        ),
    )
    purposes = fields.List(
        Text(validate=validate.OneOf(sorted(CONSENT_PURPOSES))),
        required=True,
        validate=[validate.Length(min=1), _unique],
    )
    source = Text(required=True, validate=validate.OneOf(FORM_SOURCES))
    allowed_origins = fields.List(
        Text(validate=[validate.Length(min=1, max=300), _origin]),
        load_default=list,
        validate=[validate.Length(max=MAX_ORIGINS), _unique],
    )
    success_url = Text(
        allow_none=True, load_default=None, validate=[validate.Length(max=2000), _http_url]
    )
    default_locale = Text(validate=validate.OneOf(LOCALES))


class FormSchema(Schema):
    form_id = fields.String()
    purposes = fields.List(fields.String())
    source = fields.String()
    allowed_origins = fields.List(fields.String())
    success_url = fields.String(allow_none=True)
    default_locale = fields.String()
    created_at = fields.AwareDateTime()
    url = fields.String()
    embed_url = fields.String()


class FormsSchema(Schema):
    forms = fields.List(fields.Nested(FormSchema))


class FormSubmissionSchema(RequestSchema):
    """A submission from JavaScript on an allowed origin: the same fields as the HTML form."""

    email = Text(required=True, validate=valid_email)
    purposes = fields.List(
        Text(validate=validate.Length(min=1, max=32)),
        required=True,
        validate=validate.Length(min=1, max=len(CONSENT_PURPOSES)),
    )
    locale = Text(validate=validate.OneOf(LOCALES))
    website = Text(load_default="", validate=validate.Length(max=500))
    """The honeypot (`domain.forms.HONEYPOT`): a person leaves it empty."""


class SubmissionAcceptedSchema(Schema):
    """The answer to every JSON submission that could be read, whoever the address is."""

    status = fields.String(required=True, metadata={"enum": ["accepted"]})
