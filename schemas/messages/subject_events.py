"""Events about a subject as a whole: rectified contact data, erasure, emails with a link."""

from typing import Any

from marshmallow import ValidationError, fields, validate

from plumbing.attributes import InvalidAttributes, valid_attributes
from plumbing.vocabulary import CONSENT_PURPOSES, LOCALES
from schemas.messages.base import SubjectMessageSchema


def _valid_attributes(value: dict[str, Any]) -> None:
    try:
        valid_attributes(value)
    except InvalidAttributes as error:
        raise ValidationError(error.message) from None


class SubjectUpdatedV1(SubjectMessageSchema):
    """`subject.updated/1`: contact data rectified; carries the whole new contact record.

    `suppressed` (optional, added later, so older messages lack it) says whether the address
    is on the suppression list: `true` when a hard bounce or an invalid address put it there
    (`changed` is then `["suppressed"]`). Absent, it says nothing: the address keeps its
    flag, and a new address starts unsuppressed (docs/decisions/0014).

    `attributes` (optional, added later): the subject's whole attribute map after the change,
    `{}` when it has none; it replaces the mailer's copy. Absent, the copy is kept
    (docs/decisions/0047).
    """

    schema = fields.String(required=True, validate=validate.Equal("subject.updated/1"))
    email = fields.Email(required=True)
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    name = fields.String(required=True, allow_none=True)
    changed = fields.List(fields.String(), required=True)
    suppressed = fields.Boolean(truthy={True}, falsy={False})
    attributes = fields.Dict(keys=fields.String(), values=fields.Raw(), validate=_valid_attributes)


class SubjectErasedV1(SubjectMessageSchema):
    """`subject.erased/1`: forget the person; carries no contact data at all."""

    schema = fields.String(required=True, validate=validate.Equal("subject.erased/1"))


class ConfirmationRequestedV1(SubjectMessageSchema):
    """`optin.confirmation_requested/1`: send the double opt-in email with this link.

    `purposes` names every purpose the link would grant; besides the email purposes that is
    `personalization` when a public sign-up form asked for it (docs/decisions/0016).
    """

    schema = fields.String(required=True, validate=validate.Equal("optin.confirmation_requested/1"))
    email = fields.Email(required=True)
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    purposes = fields.List(
        fields.String(validate=validate.OneOf(sorted(CONSENT_PURPOSES))),
        required=True,
        validate=validate.Length(min=1),
    )
    confirm_url = fields.Url(required=True, require_tld=False)


class PreferencesLinkRequestedV1(SubjectMessageSchema):
    """`subject.preferences_link_requested/1`: email this preference-centre link to the person.

    Asked for on the page of an unsubscribe link, which must not open the preference centre
    itself: whoever holds it (a mail provider, a forwarded email) is not necessarily the
    person. The new link goes to the stored address only (docs/decisions/0017). Like a
    confirmation request it changes no state, so `version` is the subject's current one.
    """

    schema = fields.String(
        required=True, validate=validate.Equal("subject.preferences_link_requested/1")
    )
    email = fields.Email(required=True)
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    preferences_url = fields.Url(required=True, require_tld=False)
