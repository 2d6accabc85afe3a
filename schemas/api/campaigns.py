"""`/v1/campaigns` bodies: the campaign to create or edit, a test send, and campaigns and
runs as answered.

The request schemas check shape only (fields, types, lengths); what needs the catalogue, the
template rules or the clock (purpose, content, schedule) is the service's to judge, so that
every part of a campaign is refused with one set of messages.
"""

from marshmallow import Schema, fields, validate

from plumbing.vocabulary import LOCALES
from schemas.api.consents import valid_email
from schemas.api.fields import Instant, RequestSchema, Text, text
from schemas.messages.campaigns import MAX_TEST_RECIPIENTS

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


SCHEDULE_NEEDS_SEND = (
    "Needs `campaigns:send` to take effect: without it, or without a schedule, the campaign "
    "is a `draft` that keeps the schedule given until someone holding `campaigns:send` gives "
    "it one."
)


class CampaignCreateSchema(RequestSchema):
    name = text(200, required=True)
    purpose = Text(required=True, validate=validate.Length(min=1, max=32))
    content = fields.Nested(CampaignContentSchema, required=True)
    schedule = fields.Nested(
        ScheduleSchema, allow_none=True, metadata={"description": SCHEDULE_NEEDS_SEND}
    )

    layout = fields.UUID(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The id of the layout to send inside (`/v1/layouts`); null or "
            "absent: the default layout, made of the brand settings."
        },
    )


CampaignContentChangesSchema = type(
    "CampaignContentChangesSchema",
    (RequestSchema,),
    {locale: fields.Nested(LocalizedContentSchema, allow_none=True) for locale in LOCALES},
)
"""The locales an edit changes: a version replaces that locale's, null removes it."""


class CampaignUpdateSchema(RequestSchema):
    """Any of the fields of a campaign; those left out stay as they are."""

    name = text(200)
    purpose = Text(validate=validate.Length(min=1, max=32))
    content = fields.Nested(
        CampaignContentChangesSchema,
        metadata={
            "description": "Per locale: a version replaces that locale's, null removes it, "
            "a locale left out stays."
        },
    )
    schedule = fields.Nested(
        ScheduleSchema,
        metadata={
            "description": "With `campaigns:send`: schedules a draft, or replaces the "
            "schedule. Any edit by a key without `campaigns:send` makes the campaign a draft."
        },
    )

    layout = fields.UUID(
        allow_none=True,
        metadata={"description": "A layout's id; null: back to the default layout."},
    )


class CampaignTestSchema(RequestSchema):
    """A test send: the campaign's email to a few members of staff."""

    to = fields.List(
        Text(validate=valid_email),
        required=True,
        validate=validate.Length(min=1, max=MAX_TEST_RECIPIENTS),
        metadata={
            "description": "Addresses of active console users or of CONSOLE_TEST_RECIPIENTS."
        },
    )
    locale = Text(
        validate=validate.OneOf(LOCALES),
        metadata={"description": "The version to send; the campaign's default locale if left out."},
    )


class QueuedTestSchema(Schema):
    campaign_id = fields.UUID()
    to = fields.List(fields.String())
    locale = fields.String()


class RunCountsSchema(Schema):
    recipients = fields.Integer()
    sent = fields.Integer()
    skipped_withdrawn = fields.Integer()
    skipped_capped = fields.Integer()
    failed = fields.Integer()
    # The metaclass takes declared fields out of the class, so this field does not hide the
    # schema's `unknown` option (an instance attribute): the stubs cannot know that.
    unknown = fields.Integer()  # type: ignore[assignment]


class LocaleCountsSchema(Schema):
    """One locale's counts in a run's breakdown: a count below 5 is null (SPEC section 10)."""

    recipients = fields.Integer(allow_none=True)
    sent = fields.Integer(allow_none=True)
    skipped_withdrawn = fields.Integer(allow_none=True)
    skipped_capped = fields.Integer(allow_none=True)
    failed = fields.Integer(allow_none=True)
    unknown = fields.Integer(allow_none=True)  # type: ignore[assignment]


class RunSchema(Schema):
    id = fields.UUID()
    status = fields.String()
    trigger = fields.String(metadata={"description": "`schedule`, `manual` or `retry`."})
    retry_of = fields.UUID(
        allow_none=True,
        metadata={"description": "The run whose failed recipients a retry run sends to."},
    )
    scheduled_for = fields.AwareDateTime(allow_none=True)
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    counts = fields.Nested(RunCountsSchema)
    by_locale = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(LocaleCountsSchema),
        allow_none=True,
        metadata={
            "description": "The counts per locale the run's emails are written in, each "
            "recipient under the locale of the email they are sent (their own if the campaign "
            "has it, the default otherwise). A count below 5 is null; `counts` stays exact. "
            "Null while the mailer has not reported counts per locale (an older mailer)."
        },
    )
    reason = fields.String(
        allow_none=True,
        metadata={
            "description": "Why a `failed` or `cancelled` run ended, e.g. `ky.html: rendering "
            "took longer than 2 s`; null otherwise."
        },
    )


class CampaignSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    purpose = fields.String()
    status = fields.String()
    next_run_at = fields.AwareDateTime(allow_none=True)
    schedule = fields.Dict(
        allow_none=True,
        metadata={"description": "As given; null for a draft nobody gave a schedule yet."},
    )
    layout = fields.UUID(
        allow_none=True,
        metadata={"description": "The layout's id; null: the default layout."},
    )
    created_at = fields.AwareDateTime()
    runs = fields.List(fields.Nested(RunSchema))


class LocaleFallbackSchema(Schema):
    locale = fields.String(metadata={"description": "A locale the content has no version in."})
    recipients = fields.Integer(
        metadata={"description": "People who have granted the purpose and use that locale."}
    )
    fallback_locale = fields.String(
        metadata={"description": "The version they will get instead: `DEFAULT_LOCALE`'s."}
    )
    message = fields.String()


class CampaignCreatedSchema(CampaignSchema):
    """The created or edited campaign, and what its author should know before it goes out."""

    warnings = fields.List(
        fields.Nested(LocaleFallbackSchema),
        metadata={
            "description": "One per locale that recipients of the campaign's purpose use and "
            "the content lacks: they will get the `DEFAULT_LOCALE` version. Empty when every "
            "recipient gets their own language. Only in the answer to a creation or an edit."
        },
    )


class CampaignsSchema(Schema):
    campaigns = fields.List(fields.Nested(CampaignSchema))


class RunStartedSchema(Schema):
    run_id = fields.UUID()
