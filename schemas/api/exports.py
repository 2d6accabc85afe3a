"""Bodies of the export and direct-transfer routes.

The export itself is documented by docs/export.schema.json (JSON Schema 2020-12): it is a
document people and other controllers keep, not only an API answer.
"""

from marshmallow import Schema, fields, validate

from schemas.api.fields import RequestSchema, Text

FORMATS = ("json", "csv")


class ExportQuerySchema(RequestSchema):
    """`GET /v1/subjects/{id}/export?format=json|csv`; JSON when no format is given."""

    format = Text(load_default="json", validate=validate.OneOf(FORMATS))


class TransferRequestSchema(RequestSchema):
    """`POST /v1/subjects/{id}/transfers`: the name an admin registered the recipient under."""

    recipient = Text(required=True, validate=validate.Length(min=1, max=100))


class TransferSchema(Schema):
    """A transfer as `GET /v1/subjects/{id}/transfers/{transfer_id}` shows it."""

    transfer_id = fields.UUID()
    subject_id = fields.UUID()
    recipient = fields.String()
    status = fields.String(metadata={"enum": ["pending", "delivered", "failed"]})
    attempts = fields.Integer()
    requested_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class TransferQueuedSchema(Schema):
    """The answer to `POST /v1/subjects/{id}/transfers` (202): the relay delivers it."""

    transfer_id = fields.UUID(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending"]})
