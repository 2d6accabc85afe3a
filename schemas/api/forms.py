"""`/v1/forms` bodies (admin) and the JSON body of a public submission to `/f/{form_id}`."""

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from consent_service.domain.forms import FORM_ID, FORM_SOURCES, normalize_origin
from consent_service.domain.locales import LOCALES
from consent_service.domain.purposes import CONSENT_PURPOSES
from schemas.api.consents import valid_email

MAX_ORIGINS = 20


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Name each one once.")


def _http_url(value: str) -> None:
    validate.URL(schemes={"http", "https"}, require_tld=False)(value)


class FormCreateSchema(StrictSchema):
    form_id = fields.String(
        required=True,
        validate=validate.Regexp(
            f"^{FORM_ID.pattern}$",
            error="Lower-case letters, digits, '-' and '_', at most 50 characters.",
        ),
    )
    purposes = fields.List(
        fields.String(validate=validate.OneOf(sorted(CONSENT_PURPOSES))),
        required=True,
        validate=[validate.Length(min=1), _unique],
    )
    source = fields.String(required=True, validate=validate.OneOf(FORM_SOURCES))
    allowed_origins = fields.List(
        fields.String(validate=validate.Length(min=1, max=300)),
        load_default=list,
        validate=[validate.Length(max=MAX_ORIGINS), _unique],
    )
    success_url = fields.String(
        allow_none=True, load_default=None, validate=[validate.Length(max=2000), _http_url]
    )
    default_locale = fields.String(validate=validate.OneOf(LOCALES))

    @validates("allowed_origins")
    def _origins(self, values: list[str], **_kwargs: Any) -> None:
        wrong = {
            str(index): ["An origin is scheme://host[:port], with no path."]
            for index, value in enumerate(values)
            if normalize_origin(value) is None
        }
        if wrong:
            raise ValidationError(wrong)


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


class FormSubmissionSchema(StrictSchema):
    """A submission from JavaScript on an allowed origin: the same fields as the HTML form."""

    email = fields.String(required=True, validate=valid_email)
    purposes = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        required=True,
        validate=validate.Length(min=1, max=len(CONSENT_PURPOSES)),
    )
    locale = fields.String(validate=validate.OneOf(LOCALES))
    website = fields.String(load_default="", validate=validate.Length(max=500))
    """The honeypot (`domain.forms.HONEYPOT`): a person leaves it empty."""
