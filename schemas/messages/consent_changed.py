"""`consent.changed/1`: one purpose of one subject changed status.

Carries the address and locale so the mailer can keep its own view without asking the
registry; `version` is the subject's version after the change, which only grows.
"""

from marshmallow import fields, validate

from plumbing.vocabulary import CONSENT_PURPOSES, LOCALES, SOURCES, STATUSES
from schemas.messages.base import SubjectMessageSchema


class ConsentChangedV1(SubjectMessageSchema):
    schema = fields.String(required=True, validate=validate.Equal("consent.changed/1"))
    email = fields.Email(required=True)
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    name = fields.String(required=True, allow_none=True)
    purpose = fields.String(required=True, validate=validate.OneOf(sorted(CONSENT_PURPOSES)))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    previous_status = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(STATUSES)
    )
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    policy_version = fields.String(required=True)
