"""What `/healthz` and `/readyz` answer: liveness, and readiness with what it depends on."""

from marshmallow import Schema, fields


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok"]})


class ChecksSchema(Schema):
    database = fields.String(
        required=True, metadata={"description": "`ok`, or `error: <kind of error>`"}
    )
    broker = fields.String(
        required=True,
        metadata={"description": "`ok`, or why the broker does not take a message now"},
    )


class OutboxLagSchema(Schema):
    unsent = fields.Integer(required=True)
    oldest_age_seconds = fields.Float(
        required=True, metadata={"description": "0 when nothing is unsent"}
    )


class ReadinessSchema(Schema):
    """`ready`, `degraded` (the broker is not taking messages: writes still go to the outbox)
    or `unavailable` (the database does not answer: 503)."""

    status = fields.String(required=True, metadata={"enum": ["ready", "degraded", "unavailable"]})
    checks = fields.Nested(ChecksSchema, required=True)
    outbox = fields.Nested(
        OutboxLagSchema, metadata={"description": "left out when the database does not answer"}
    )
