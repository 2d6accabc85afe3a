"""Campaign commands to the mailer and the mailer's reports back."""

from marshmallow import fields, validate

from schemas.messages.base import MessageSchema, StrictSchema
from schemas.vocabulary import EMAIL_PURPOSES

RUN_STATUSES = ["planned", "running", "completed", "cancelled", "failed"]


class ContentSchema(StrictSchema):
    subject = fields.String(required=True)
    html = fields.String(required=True)
    text = fields.String(required=True)


class CampaignRunRequestedV1(MessageSchema):
    """`campaign.run_requested/1`: plan and send one run of a campaign."""

    schema = fields.String(required=True, validate=validate.Equal("campaign.run_requested/1"))
    campaign_id = fields.UUID(required=True)
    run_id = fields.UUID(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(sorted(EMAIL_PURPOSES)))
    content = fields.Dict(keys=fields.String(), values=fields.Nested(ContentSchema), required=True)


class RunCountsSchema(StrictSchema):
    recipients = fields.Integer(required=True)
    sent = fields.Integer(required=True)
    skipped_withdrawn = fields.Integer(required=True)
    skipped_capped = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    unknown = fields.Integer(required=True)


class RunReportV1(MessageSchema):
    """`mailer.run_report/1`: where a run stands; the newest report of a run wins."""

    schema = fields.String(required=True, validate=validate.Equal("mailer.run_report/1"))
    run_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(RUN_STATUSES))
    counts = fields.Nested(RunCountsSchema, required=True)
