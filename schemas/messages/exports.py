"""The registry asks the mailer for its part of a person's export, and the mailer answers.

The registry never stores what the mailer sent: for each export (the API, `consent export`,
the preference centre's download, a direct transfer) it publishes `export.requested/1` on
`consent.events` and waits, on a temporary queue bound to `export.reply.<request_id>` on
`mailer.reports`, for `export.mailer_part/1`. Neither message holds an address.
"""

from marshmallow import fields, validate

from schemas.messages.base import MessageSchema, StrictSchema

EMAIL_KINDS = ["campaign", "confirmation", "preferences"]
EMAIL_OUTCOMES = ["sent", "failed", "unknown"]
"""`unknown`: handed to the email backend (or about to be) with no answer recorded."""


class ExportRequestedV1(MessageSchema):
    """`export.requested/1`: send the send ledger of this subject before `reply_by`.

    A mailer that takes the request after `reply_by` drops it: nobody waits for the answer.
    """

    schema = fields.String(required=True, validate=validate.Equal("export.requested/1"))
    request_id = fields.UUID(required=True)
    subject_id = fields.UUID(required=True)
    reply_by = fields.AwareDateTime(required=True)


class SentEmailSchema(StrictSchema):
    """One email the mailer handed (or may have handed) to its backend for this person."""

    kind = fields.String(required=True, validate=validate.OneOf(EMAIL_KINDS))
    campaign_id = fields.UUID(required=True, allow_none=True)
    campaign_name = fields.String(required=True, allow_none=True)
    run_id = fields.UUID(required=True, allow_none=True)
    sent_at = fields.AwareDateTime(required=True, allow_none=True)
    outcome = fields.String(required=True, validate=validate.OneOf(EMAIL_OUTCOMES))


class ExportMailerPartV1(MessageSchema):
    """`export.mailer_part/1`: the answer to one `export.requested/1`, complete or not at all."""

    schema = fields.String(required=True, validate=validate.Equal("export.mailer_part/1"))
    request_id = fields.UUID(required=True)
    subject_id = fields.UUID(required=True)
    emails = fields.List(fields.Nested(SentEmailSchema), required=True)
