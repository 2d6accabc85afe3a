"""`consent.changed/1`: one purpose of one subject changed status.

Carries the address and locale so the mailer can keep its own view without asking the
registry; `version` is the subject's version after the change, which only grows.
"""

from marshmallow import fields, validate

from consent_service.domain.consent import ConsentStatus, Source
from consent_service.domain.locales import LOCALES
from consent_service.domain.purposes import CONSENT_PURPOSES
from schemas.messages.base import MessageSchema

STATUSES = [s.value for s in ConsentStatus]


class ConsentChangedV1(MessageSchema):
    schema = fields.String(required=True, validate=validate.Equal("consent.changed/1"))
    subject_id = fields.UUID(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    email = fields.Email(required=True)
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    purpose = fields.String(required=True, validate=validate.OneOf(sorted(CONSENT_PURPOSES)))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    previous_status = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(STATUSES)
    )
    source = fields.String(required=True, validate=validate.OneOf([s.value for s in Source]))
    policy_version = fields.String(required=True)
