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

    versions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    purposes = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "with `purpose` only: version of that purpose's last change"},
    )
    suppressed = fields.List(
        fields.String(),
        required=True,
        metadata={
            "description": "the asked subjects whose current address is on the suppression "
            "list (hard bounce, invalid address): no campaign email may go to them"
        },
    )


class DigestsSchema(Schema):
    """`GET /v1/sync/digest`: one digest per bucket of subject ids (plumbing/catch_up.py)."""

    buckets = fields.Dict(
        keys=fields.String(metadata={"description": "two lower-case hex digits"}),
        values=fields.String(),
        required=True,
    )


class ListedConsentSchema(Schema):
    status = fields.String(required=True)
    version = fields.Integer(
        required=True, metadata={"description": "the subject's version at this purpose's change"}
    )


class ListedSubjectSchema(Schema):
    """A subject as the mailer needs to know it; an erased one carries no contact data."""

    subject_id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    erased = fields.Boolean(required=True)
    email = fields.String(required=True, allow_none=True)
    locale = fields.String(required=True, allow_none=True)
    name = fields.String(required=True, allow_none=True)
    suppressed = fields.Boolean(
        required=True,
        metadata={"description": "no campaign email may go to the address it holds now"},
    )
    attributes = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "the subject's attributes, `{}` if none or erased (0047)"},
    )
    consents = fields.Dict(
        keys=fields.String(), values=fields.Nested(ListedConsentSchema), required=True
    )


class BucketSchema(Schema):
    """`GET /v1/sync/buckets/{bucket}`: every subject of one bucket."""

    bucket = fields.String(required=True)
    subjects = fields.List(fields.Nested(ListedSubjectSchema), required=True)


class ListedSubjectsSchema(Schema):
    """`POST /v1/sync/subjects`: the named subjects the registry holds, as a bucket lists them."""

    subjects = fields.List(fields.Nested(ListedSubjectSchema), required=True)
