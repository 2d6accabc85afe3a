"""The registry's catch-up endpoints over HTTP (`/v1/sync/...`), for `services.catchup`.

Plain `urllib`: two GET requests with a Bearer key need no client library. Answers are
validated before use, since they rewrite the mailer's view; unknown fields are ignored so a
newer registry can add some without breaking older mailers.
"""

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from mailer.domain.events import Contact, PurposeState, Snapshot
from schemas.messages.sync import BUCKETS, bucket_of
from schemas.vocabulary import CONSENT_PURPOSES, STATUSES


class RegistryError(Exception):
    """The registry could not be asked, or answered something catch-up cannot use."""


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class _Consent(_Lenient):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class _Subject(_Lenient):
    subject_id = fields.UUID(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    erased = fields.Boolean(required=True)
    email = fields.String(load_default=None, allow_none=True)
    locale = fields.String(load_default=None, allow_none=True)
    name = fields.String(load_default=None, allow_none=True)
    consents = fields.Dict(
        keys=fields.String(validate=validate.OneOf(sorted(CONSENT_PURPOSES))),
        values=fields.Nested(_Consent),
        load_default=dict,
    )


class _Bucket(_Lenient):
    bucket = fields.String(required=True, validate=validate.OneOf(BUCKETS))
    subjects = fields.List(fields.Nested(_Subject), required=True)


class _Digests(_Lenient):
    buckets = fields.Dict(
        keys=fields.String(validate=validate.OneOf(BUCKETS)),
        values=fields.String(validate=validate.Regexp(r"^[0-9a-f]{64}$")),
        required=True,
    )

    @validates_schema
    def every_bucket(self, data: dict[str, Any], **_: Any) -> None:
        if len(data["buckets"]) != len(BUCKETS):
            raise ValidationError("every bucket must have a digest", "buckets")


class RegistryClient:
    """Reads the registry's digests and bucket listings with a `subjects:read` key."""

    def __init__(self, base_url: str, key: str, timeout: float = 10.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("the registry URL must be http or https")
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout

    def digests(self) -> dict[str, str]:
        return self._get("/v1/sync/digest", _Digests())["buckets"]

    def bucket(self, bucket: str) -> list[Snapshot]:
        body = self._get(f"/v1/sync/buckets/{bucket}", _Bucket())
        if body["bucket"] != bucket:
            raise RegistryError(f"asked for bucket {bucket}, got {body['bucket']}")
        return [_snapshot(bucket, subject) for subject in body["subjects"]]

    def _get(self, path: str, schema: Schema) -> dict[str, Any]:
        # The scheme was checked in __init__: only http(s) is ever opened (ruff S310).
        request = urllib.request.Request(  # noqa: S310
            self.base_url + path,
            headers={"Authorization": f"Bearer {self.key}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return schema.load(json.loads(response.read()))
        except urllib.error.HTTPError as error:
            raise RegistryError(f"registry answered {error.code} to GET {path}") from None
        except (OSError, ValueError, ValidationError) as error:
            raise RegistryError(f"GET {path} failed: {error}") from None


def _snapshot(bucket: str, subject: dict[str, Any]) -> Snapshot:
    subject_id: uuid.UUID = subject["subject_id"]
    if bucket_of(str(subject_id)) != bucket:
        raise RegistryError(f"subject {subject_id} listed in bucket {bucket}")
    if subject["erased"]:
        return Snapshot(subject_id, subject["version"], erased=True)
    return Snapshot(
        subject_id,
        subject["version"],
        contact=Contact(subject["email"], subject["locale"], subject["name"]),
        consents={
            p: PurposeState(c["status"], c["version"]) for p, c in subject["consents"].items()
        },
    )
