"""Bodies of the send-time fence: `POST /v1/sync/versions` and `POST /v1/sync/subjects`.

The mailer asks about one send batch at a time, so a body names at most one batch's worth of
subjects (`MAILER_BATCH_SIZE` defaults to 1000); a bigger batch is asked about in chunks.
"""

from marshmallow import Schema, fields, validate

from plumbing.vocabulary import CONSENT_PURPOSES
from schemas.api.fields import RequestSchema, Text

MAX_SUBJECT_IDS = 1000


class SubjectIdsSchema(RequestSchema):
    """`{"subject_ids": [uuid, ...]}`, 1 to 1000 ids; unknown fields are refused."""

    subject_ids = fields.List(
        fields.UUID(),
        required=True,
        validate=validate.Length(min=1, max=MAX_SUBJECT_IDS),
    )


class VersionsRequestSchema(SubjectIdsSchema):
    """The ids, and optionally the purpose a send batch is for.

    With a purpose the answer also names the version of each subject's last change of that
    purpose: a subject's own version is the highest the mailer applied, so a change of the
    purpose that arrived late (after a newer change of another purpose) is only visible there.
    """

    purpose = Text(validate=validate.OneOf(sorted(CONSENT_PURPOSES)))


class VersionsSchema(Schema):
    """`{"versions": {subject_id: version}}`: only subjects the registry holds, erased ones
    (tombstones) included, so the mailer can tell an erased subject from an unknown one."""

    versions = fields.Dict(keys=fields.String(), values=fields.Integer())
    purposes = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "with `purpose` only: version of that purpose's last change"},
    )
    suppressed = fields.List(
        fields.String(),
        metadata={
            "description": "the asked subjects whose current address is on the suppression "
            "list (hard bounce, invalid address): no campaign email may go to them"
        },
    )
