"""The SendGrid event webhook as the OpenAPI document describes it (SendGrid's own format).

The route does not load deliveries with these schemas: an event lacking a field is skipped and
counted rather than refusing the whole delivery, and SendGrid adds fields over time
(`consent_service/domain/esp_events.py` reads them).
"""

from marshmallow import Schema, fields


class SendGridEventSchema(Schema):
    """One event of a delivery; the fields the registry reads (others are ignored)."""

    sg_event_id = fields.String(required=True, metadata={"description": "unique per event"})
    event = fields.String(
        required=True,
        metadata={"description": "bounce, dropped, spamreport, unsubscribe, group_unsubscribe..."},
    )
    email = fields.String(required=True)
    timestamp = fields.Integer()
    type = fields.String(metadata={"description": "bounce: `bounce` (hard) or `blocked`"})
    reason = fields.String(metadata={"description": "dropped: `Invalid`, `Bounced Address`..."})
    campaign_id = fields.String(
        metadata={"description": "the custom argument the mailer sent, echoed by SendGrid"}
    )


class WebhookReceiptSchema(Schema):
    """What became of a delivery's events (200 whatever became of them: SendGrid retries any
    other answer)."""

    received = fields.Integer(metadata={"description": "events in the delivery"})
    applied = fields.Integer(metadata={"description": "caused a suppression or withdrawal"})
    unchanged = fields.Integer(metadata={"description": "already so, or unknown address"})
    ignored = fields.Integer(metadata={"description": "event types that change nothing"})
    duplicate = fields.Integer(metadata={"description": "sg_event_id seen before"})
    skipped = fields.Integer(metadata={"description": "lacking sg_event_id, event or email"})
