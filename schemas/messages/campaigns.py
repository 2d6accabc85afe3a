"""Campaign commands to the mailer and the mailer's reports back.

The registry owns campaigns and runs; the mailer owns the sending. They meet in four
messages: a run to send (`campaign.run_requested`), the campaign's lifecycle state
(`campaign.control`, for pause, resume and cancel), a test email to a few members of staff
(`campaign.test_requested`) and the mailer's report of a run (`mailer.run_report`: `/2` adds
the counts per locale to `/1`, and the registry reads both; decision 0035).
Lifecycle states and reports carry a number that only grows, so that a late or duplicated
message never undoes a newer one.
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


def _content_per_locale() -> fields.Dict:
    """A campaign's templates per locale, as run and test messages carry them."""
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(LOCALES)),
        values=fields.Nested(ContentSchema),
        required=True,
        validate=validate.Length(min=1),
    )


def _layout_per_locale(description: str) -> fields.Dict:
    """A layout's values per locale; optional, so that an older registry's message loads."""
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(LOCALES)),
        values=fields.Nested(LayoutVersionSchema),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1),
        metadata={"description": description},
    )


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
    content = _content_per_locale()
    layout = _layout_per_locale(
        "The campaign's layout per locale, as it was when the run was requested; null or "
        "absent: the default layout (the brand settings)."
    )
    retry_of = fields.UUID(
        load_default=None,
        metadata={
            "description": "A retry: send only to this earlier run's `failed` recipients "
            "(never its `unknown` ones), each still checked at send time."
        },
    )


MAX_TEST_RECIPIENTS = 20
"""At most this many addresses get one test send: the API request and the message alike."""


class CampaignTestRequestedV1(MessageSchema):
    """`campaign.test_requested/1`: send the campaign's email once to each of `to`, rendered
    in `locale` as a real send would render it, its subject marked `[TEST] `.

    The registry only lets addresses of its staff through; the mailer checks no consent and
    counts nothing: a test is not a run.
    """

    schema = fields.String(required=True, validate=validate.Equal("campaign.test_requested/1"))
    campaign_id = fields.UUID(required=True)
    campaign_name = fields.String(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(sorted(EMAIL_PURPOSES)))
    default_locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    content = _content_per_locale()
    layout = _layout_per_locale("The campaign's layout per locale; null: the default layout.")
    to = fields.List(
        fields.Email(),
        required=True,
        validate=validate.Length(min=1, max=MAX_TEST_RECIPIENTS),
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
    # The metaclass takes declared fields out of the class, so this field does not hide the
    # schema's `unknown` option (an instance attribute): the stubs cannot know that.
    unknown = fields.Integer(required=True, validate=validate.Range(min=0))  # type: ignore[assignment]


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


class RunReportV2(RunReportV1):
    """`mailer.run_report/2`: `/1` with the run's counts per locale it writes in.

    A new version rather than an optional field of `/1`: readers refuse unknown fields, so a
    `/1` reader could not take the field either way, and the name tells a reader which shape
    it holds. The registry reads both; the mailer publishes `/2` (decision 0035). The counts
    per locale are exact here: hiding small cells is the registry's business when it shows them.
    """

    schema = fields.String(required=True, validate=validate.Equal("mailer.run_report/2"))
    by_locale = fields.Dict(
        keys=fields.String(validate=validate.OneOf(LOCALES)),
        values=fields.Nested(RunCountsSchema),
        required=True,
    )
