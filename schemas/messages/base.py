"""Fields every message carries."""

from marshmallow import RAISE, Schema, fields


class MessageSchema(Schema):
    """`schema`, `message_id` and `occurred_at`; subject events also carry `version`."""

    class Meta:
        unknown = RAISE

    schema = fields.String(required=True)
    message_id = fields.UUID(required=True)
    occurred_at = fields.AwareDateTime(required=True)
