"""Bodies of `/v1/keys` (admin): what may be shown of a key, never its secret or hash."""

from marshmallow import Schema, fields


class KeySchema(Schema):
    id = fields.String()
    name = fields.String()
    scopes = fields.List(fields.String())
    prefix = fields.String(metadata={"description": "The key's first characters: `ck_<id>_`"})
    created_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)


class KeysSchema(Schema):
    keys = fields.List(fields.Nested(KeySchema))
