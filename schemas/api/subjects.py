"""The subject as the API answers it, and its ledger history."""

from marshmallow import Schema, fields


class ConsentStateSchema(Schema):
    status = fields.String()
    updated_at = fields.AwareDateTime()
    policy_version = fields.String()
    source = fields.String()


class SubjectSchema(Schema):
    subject_id = fields.UUID()
    email = fields.String()
    locale = fields.String()
    name = fields.String(allow_none=True)
    external_id = fields.String(allow_none=True)
    version = fields.Integer()
    consents = fields.Dict(keys=fields.String(), values=fields.Nested(ConsentStateSchema))


class HistoryEntrySchema(Schema):
    version = fields.Integer()
    kind = fields.String()
    purpose = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    previous_status = fields.String(allow_none=True)
    source = fields.String()
    actor = fields.String()
    policy_version = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()
    hash = fields.String()


class HistorySchema(Schema):
    subject_id = fields.UUID()
    entries = fields.List(fields.Nested(HistoryEntrySchema))
