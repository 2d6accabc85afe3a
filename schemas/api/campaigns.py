"""`/v1/campaigns` bodies: the campaign to create, and campaigns and runs as answered.

The request schemas check shape only (fields, types, lengths); what needs the catalogue, the
template rules or the clock (purpose, content, schedule) is the service's to judge, so that
every part of a campaign is refused with one set of messages.
"""

from marshmallow import Schema, fields, validate

from schemas.api.fields import Instant, RequestSchema, Text, text
from schemas.vocabulary import LOCALES

MAX_TEMPLATE_LENGTH = 100_000


class LocalizedContentSchema(RequestSchema):
    """One locale's version: subject, HTML and text, each a Jinja2 template."""

    subject = Text(required=True, validate=validate.Length(min=1, max=998))
    html = Text(required=True, validate=validate.Length(min=1, max=MAX_TEMPLATE_LENGTH))
    text = Text(required=True, validate=validate.Length(min=1, max=MAX_TEMPLATE_LENGTH))


CampaignContentSchema = type(
    "CampaignContentSchema",
    (RequestSchema,),
    {locale: fields.Nested(LocalizedContentSchema) for locale in LOCALES},
)
"""One optional version per locale: errors read `content.<locale>.<part>`, and an unknown
locale is an unknown field."""


class ScheduleSchema(RequestSchema):
    """`{"at": ...}` once, or `{"rrule", "timezone", "until"?}` recurring."""

    at = Instant()
    rrule = Text(validate=validate.Length(min=1, max=500))
    timezone = Text(validate=validate.Length(min=1, max=64))
    until = Instant()


class CampaignCreateSchema(RequestSchema):
    name = text(200, required=True)
    purpose = Text(required=True, validate=validate.Length(min=1, max=32))
    content = fields.Nested(CampaignContentSchema, required=True)
    schedule = fields.Nested(ScheduleSchema, required=True)


class RunCountsSchema(Schema):
    recipients = fields.Integer()
    sent = fields.Integer()
    skipped_withdrawn = fields.Integer()
    skipped_capped = fields.Integer()
    failed = fields.Integer()
    unknown = fields.Integer()


class RunSchema(Schema):
    id = fields.UUID()
    status = fields.String()
    trigger = fields.String()
    scheduled_for = fields.AwareDateTime(allow_none=True)
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    counts = fields.Nested(RunCountsSchema)


class CampaignSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    purpose = fields.String()
    status = fields.String()
    next_run_at = fields.AwareDateTime(allow_none=True)
    schedule = fields.Dict()
    created_at = fields.AwareDateTime()
    runs = fields.List(fields.Nested(RunSchema))


class CampaignsSchema(Schema):
    campaigns = fields.List(fields.Nested(CampaignSchema))


class RunStartedSchema(Schema):
    run_id = fields.UUID()
