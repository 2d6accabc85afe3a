"""`POST /v1/consents` and `PUT /v1/subjects/{id}/consents/{purpose}` bodies."""

import ipaddress
from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from consent_service.domain.consent import Source
from consent_service.domain.emails import MAX_EMAIL_LENGTH, normalize_email
from consent_service.domain.errors import DomainError
from consent_service.domain.locales import LOCALES
from consent_service.domain.purposes import consent_purpose
from schemas.api.fields import RequestSchema, StrictBoolean, Text, text

SOURCES = [s.value for s in Source]


def valid_email(value: str) -> None:
    if len(value) > MAX_EMAIL_LENGTH:
        raise ValidationError(f"An email address has at most {MAX_EMAIL_LENGTH} characters.")
    try:
        normalize_email(value)
    except DomainError as error:
        raise ValidationError(error.message) from None


def valid_ip(value: str) -> None:
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        raise ValidationError("Not an IP address.") from None


class EvidenceSchema(RequestSchema):
    """How the decision was captured; the IP is truncated before it is stored."""

    form_id = text(100)
    ip = Text(validate=[validate.Length(max=45), valid_ip])
    user_agent = text(512)


class SubjectInputSchema(RequestSchema):
    email = Text(required=True, validate=valid_email)
    locale = Text(validate=validate.OneOf(LOCALES))
    external_id = text(200)
    name = text(200)


class ConsentRequestSchema(RequestSchema):
    subject = fields.Nested(SubjectInputSchema, required=True)
    purposes = fields.Dict(
        keys=Text(), values=StrictBoolean(), required=True, validate=validate.Length(min=1)
    )
    source = Text(required=True, validate=validate.OneOf(SOURCES))
    policy_version = Text(validate=validate.Length(min=1, max=32))
    evidence = fields.Nested(EvidenceSchema)

    @validates("purposes")
    def _known_consent_purposes(self, value: dict[str, Any], **_: Any) -> None:
        problems = {}
        for purpose in value:
            try:
                consent_purpose(purpose)
            except DomainError as error:
                problems[purpose] = [error.message]
        if problems:
            raise ValidationError(problems)


class ConsentSetSchema(RequestSchema):
    status = Text(required=True, validate=validate.OneOf(["granted", "withdrawn"]))
    source = Text(required=True, validate=validate.OneOf(SOURCES))
    policy_version = Text(validate=validate.Length(min=1, max=32))
    evidence = fields.Nested(EvidenceSchema)
