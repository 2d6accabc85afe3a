"""Versioned message schemas. A message names its schema as `name/version` in `schema`.

A consumer looks the schema up in `SCHEMAS` and refuses a message whose schema it does not
know or whose body does not load; it never applies part of one.
"""

from marshmallow import Schema

from schemas.messages.consent_changed import ConsentChangedV1

SCHEMAS: dict[str, type[Schema]] = {"consent.changed/1": ConsentChangedV1}
