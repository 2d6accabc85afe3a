"""Campaign commands to the mailer and the mailer's reports back.

The registry owns campaigns and runs; the mailer owns the sending. They meet in three
messages: a run to send (`campaign.run_requested`), the campaign's lifecycle state
(`campaign.control`, for pause, resume and cancel) and the mailer's report of a run
(`mailer.run_report`). Lifecycle states and reports carry a number that only grows, so that a
late or duplicated message never undoes a newer one.
"""

from marshmallow import fields, validate

from plumbing.vocabulary import EMAIL_PURPOSES, LOCALES
from schemas.messages.base import MessageSchema, StrictSchema

RUN_STATUSES = ["planned", "running", "completed", "cancelled", "failed"]
CAMPAIGN_STATES = ["running", "paused", "cancelled"]
"""What the mailer needs of a campaign's lifecycle: send its runs, hold them, or drop them."""


class ContentSchema(StrictSchema):
    subject = fields.String(required=True)
    html = fields.String(required=True)
    text = fields.String(required=True)


class LayoutVersionSchema(StrictSchema):
    """One locale's header and footer values (`plumbing/layouts.py`), checked by the registry."""

    shop_name = fields.String(required=True)
    logo_url = fields.String(required=True)
    legal_name = fields.String(required=True)
    postal_address = fields.String(required=True)
    why = fields.String(required=True)


class CampaignRunRequestedV1(MessageSchema):
    """`campaign.run_requested/1`: plan and send one run of a campaign.

    The content is the campaign's templates per locale, already validated by the registry
    against `plumbing.templates.campaigns`; `default_locale` is the locale every recipient whose
    own locale has no version falls back to. `layout`, optional so that an older registry's
    message still loads, is what the emails are sent inside (decision 0032).
    """

    schema = fields.String(required=True, validate=validate.Equal("campaign.run_requested/1"))
    campaign_id = fields.UUID(required=True)
    run_id = fields.UUID(required=True)
    campaign_name = fields.String(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(sorted(EMAIL_PURPOSES)))
    default_locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    content = fields.Dict(
        keys=fields.String(validate=validate.OneOf(LOCALES)),
        values=fields.Nested(ContentSchema),
        required=True,
        validate=validate.Length(min=1),
    )
    layout = fields.Dict(
        keys=fields.String(validate=validate.OneOf(LOCALES)),
        values=fields.Nested(LayoutVersionSchema),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1),
        metadata={
            "description": "The campaign's layout per locale, as it was when the run was "
            "requested; null or absent: the default layout (the brand settings)."
        },
    )


class CampaignControlV1(MessageSchema):
    """`campaign.control/1`: the campaign's lifecycle state after a pause, resume or cancel.

    `version` grows with every lifecycle change of the campaign; the mailer keeps the state
    of the highest version it has seen and ignores older ones. `paused` holds the campaign's
    unsent batches until a newer `running`; `cancelled` drops them for good.
    """

    schema = fields.String(required=True, validate=validate.Equal("campaign.control/1"))
    campaign_id = fields.UUID(required=True)
    state = fields.String(required=True, validate=validate.OneOf(CAMPAIGN_STATES))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class RunCountsSchema(StrictSchema):
    recipients = fields.Integer(required=True, validate=validate.Range(min=0))
    sent = fields.Integer(required=True, validate=validate.Range(min=0))
    skipped_withdrawn = fields.Integer(required=True, validate=validate.Range(min=0))
    skipped_capped = fields.Integer(required=True, validate=validate.Range(min=0))
    failed = fields.Integer(required=True, validate=validate.Range(min=0))
    unknown = fields.Integer(required=True, validate=validate.Range(min=0))


class RunReportV1(MessageSchema):
    """`mailer.run_report/1`: where a run stands, cumulative.

    `sequence` grows with every report of a run; the registry keeps the report with the
    highest sequence, so reports may arrive late, twice or out of order.
    """

    schema = fields.String(required=True, validate=validate.Equal("mailer.run_report/1"))
    campaign_id = fields.UUID(required=True)
    run_id = fields.UUID(required=True)
    sequence = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    status = fields.String(required=True, validate=validate.OneOf(RUN_STATUSES))
    started_at = fields.AwareDateTime(required=True, allow_none=True)
    finished_at = fields.AwareDateTime(required=True, allow_none=True)
    counts = fields.Nested(RunCountsSchema, required=True)
    reason = fields.String(load_default=None, allow_none=True)
