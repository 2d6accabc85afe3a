"""Bodies served at `/.well-known/` addresses, whose shape another standard fixes."""

from marshmallow import Schema, fields


class GpcSupportSchema(Schema):
    """The GPC support resource (W3C Global Privacy Control, section 4; decision 0039)."""

    gpc = fields.Boolean(
        required=True, metadata={"description": "true: the shop abides by the GPC signal."}
    )
    last_update = fields.String(
        required=True,
        data_key="lastUpdate",
        metadata={
            "format": "date",
            "description": "When the statement of support was made (RFC 3339 full-date).",
        },
    )
