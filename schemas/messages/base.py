"""Fields every message carries."""

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    """Unknown fields are an error: a message is either fully understood or refused."""

    class Meta:
        unknown = RAISE


class MessageSchema(StrictSchema):
    """`schema` (name/version), `message_id` and `occurred_at`."""

    schema = fields.String(required=True)
    message_id = fields.UUID(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class SubjectMessageSchema(MessageSchema):
    """A subject event: `version` is the subject's version after it, and only grows."""

    subject_id = fields.UUID(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
