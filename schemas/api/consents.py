"""`POST /v1/consents` and `PUT /v1/subjects/{id}/consents/{purpose}` bodies."""

import ipaddress
from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from plumbing.emails import MAX_EMAIL_LENGTH, InvalidAddress, normalize_email
from plumbing.vocabulary import LEGAL_BASES, LOCALES, SOURCES
from schemas.api.attributes import Attributes
from schemas.api.fields import RequestSchema, StrictBoolean, Text, text


def valid_email(value: str) -> None:
    if len(value) > MAX_EMAIL_LENGTH:
        raise ValidationError(f"An email address has at most {MAX_EMAIL_LENGTH} characters.")
    try:
        normalize_email(value)
    except InvalidAddress as error:
        raise ValidationError(str(error)) from None


def consent_refusal(purpose: str) -> str | None:
    """Why consent cannot be given for `purpose`, in the domain's words; None if it can."""
    basis = LEGAL_BASES.get(purpose)
    if basis is None:
        return f"Unknown purpose '{purpose}'."
    if basis != "consent":
        return (
            f"Purpose '{purpose}' rests on {basis.replace('_', ' ')}, "
            "not on consent: it cannot be granted or withdrawn."
        )
    return None


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
    attributes = Attributes()


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
        problems = {p: [refusal] for p in value if (refusal := consent_refusal(p))}
        if problems:
            raise ValidationError(problems)


class ConsentSetSchema(RequestSchema):
    status = Text(required=True, validate=validate.OneOf(["granted", "withdrawn"]))
    source = Text(required=True, validate=validate.OneOf(SOURCES))
    policy_version = Text(validate=validate.Length(min=1, max=32))
    evidence = fields.Nested(EvidenceSchema)
