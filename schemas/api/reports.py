"""`GET /v1/reports/consents`: the query string that chooses the report (decision 0038).

Every parameter is checked here, before the answer starts: a bad one is a 422 naming it, never
a report cut short.
"""

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from plumbing.vocabulary import CONSENT_PURPOSES, SOURCES, STATUSES
from schemas.api.fields import Instant, RequestSchema, Text

KINDS = ("current", "ledger")
FORMATS = ("csv", "jsonl")


class ConsentReportQuerySchema(RequestSchema):
    """Which rows (`kind` and the filters) and how they are written (`format`)."""

    kind = Text(
        load_default="current",
        validate=validate.OneOf(KINDS),
        metadata={
            "description": "`current`: every consent as it stands; `ledger`: every ledger entry"
        },
    )
    purpose = Text(validate=validate.OneOf(sorted(CONSENT_PURPOSES)))
    status = Text(validate=validate.OneOf(STATUSES))
    source = Text(validate=validate.OneOf(SOURCES))
    policy_version = Text(validate=validate.Length(min=1, max=32))
    since = Instant(
        data_key="from",
        metadata={
            "description": "Rows set at or after this instant (ISO 8601 with offset; "
            "write `+` as `%2B`)"
        },
    )
    until = Instant(
        data_key="to",
        metadata={"description": "Rows set before this instant"},
    )
    format = Text(load_default="csv", validate=validate.OneOf(FORMATS))

    @validates_schema
    def _a_period_runs_forward(self, data: dict[str, Any], **_: Any) -> None:
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and since >= until:
            raise ValidationError("Must be later than 'from'.", "to")


class ReportFormSchema(RequestSchema):
    """The console's report form (`/console/reports/download`): the same choices, with days
    for dates, as a person picks them; both days are included. Empty fields are left out
    before loading: they mean "any"."""

    kind = Text(load_default="current", validate=validate.OneOf(KINDS))
    purpose = Text(validate=validate.OneOf(sorted(CONSENT_PURPOSES)))
    status = Text(validate=validate.OneOf(STATUSES))
    source = Text(validate=validate.OneOf(SOURCES))
    policy_version = Text(validate=validate.Length(min=1, max=32))
    first_day = fields.Date(data_key="from")
    last_day = fields.Date(data_key="to")
    format = Text(load_default="csv", validate=validate.OneOf(FORMATS))

    @validates_schema
    def _days_run_forward(self, data: dict[str, Any], **_: Any) -> None:
        first, last = data.get("first_day"), data.get("last_day")
        if first is not None and last is not None and first > last:
            raise ValidationError("Must not be before 'from'.", "to")
