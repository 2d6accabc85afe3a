"""The registry's `/v1/sync/...` endpoints over HTTP: catch-up and the send-time fence.

Catch-up (`services.catchup`) reads digests and buckets; the fence asks, before each send
batch, for the current versions of its recipients and fetches those that moved on
(docs/decisions/0010-links-and-tokens.md). Plain `urllib`: a few JSON requests with a Bearer
key need no client library. Answers are validated before use, since they rewrite the
mailer's view; unknown fields are ignored so a newer registry can add some without breaking
older mailers.
"""

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from mailer.domain.events import Contact, PurposeState, Snapshot
from mailer.services.fence import RegistryClientError
from plumbing.catch_up import BUCKETS, bucket_of
from plumbing.vocabulary import CONSENT_PURPOSES, STATUSES


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
    suppressed = fields.Boolean(load_default=False)
    attributes = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=None)
    consents = fields.Dict(
        keys=fields.String(validate=validate.OneOf(sorted(CONSENT_PURPOSES))),
        values=fields.Nested(_Consent),
        load_default=dict,
    )


class _Bucket(_Lenient):
    bucket = fields.String(required=True, validate=validate.OneOf(BUCKETS))
    subjects = fields.List(fields.Nested(_Subject), required=True)


class _Subjects(_Lenient):
    subjects = fields.List(fields.Nested(_Subject), required=True)


class _Versions(_Lenient):
    versions = fields.Dict(
        keys=fields.UUID(),
        values=fields.Integer(strict=True, validate=validate.Range(min=0)),
        required=True,
    )


class _FenceVersions(_Versions):
    purposes = fields.Dict(
        keys=fields.UUID(),
        values=fields.Integer(strict=True, validate=validate.Range(min=1)),
        load_default=dict,
    )
    suppressed = fields.List(fields.UUID(), load_default=list)


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
    """Reads the registry's digests, bucket listings and fence answers with a `sync:read` key.
    Every failure, whether unreachable, refused or malformed, is a RegistryClientError.
    It is the `RegistryFeed` of catch-up and the `RegistryCheck` of the send-time fence."""

    CHUNK = 1000
    """Ids per fence request: the most the registry accepts in one body."""

    def __init__(self, base_url: str, key: str, timeout: float = 10.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("the registry URL must be http or https")
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout

    def digests(self) -> dict[str, str]:
        return self._call("/v1/sync/digest", _Digests())["buckets"]

    def bucket(self, bucket: str) -> list[Snapshot]:
        body = self._call(f"/v1/sync/buckets/{bucket}", _Bucket())
        if body["bucket"] != bucket:
            raise RegistryClientError(f"asked for bucket {bucket}, got {body['bucket']}")
        for subject in body["subjects"]:
            if bucket_of(str(subject["subject_id"])) != bucket:
                raise RegistryClientError(
                    f"subject {subject['subject_id']} listed in bucket {bucket}"
                )
        return [_snapshot(subject) for subject in body["subjects"]]

    def versions(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Current version of each of these subjects the registry holds, tombstones included;
        an id the registry does not know is absent from the answer."""
        found: dict[uuid.UUID, int] = {}
        for chunk in _chunks(ids, self.CHUNK):
            answer = self._call("/v1/sync/versions", _Versions(), _ids_body(chunk))["versions"]
            _only_asked(answer, chunk)
            found.update(answer)
        return found

    def fence_versions(
        self, ids: Sequence[uuid.UUID], purpose: str
    ) -> dict[uuid.UUID, tuple[int, int, bool]]:
        """For each of these subjects the registry holds: its version, the version of its
        last change of `purpose` (0 if it never had one), and whether its address is
        suppressed; what the send-time fence compares."""
        found: dict[uuid.UUID, tuple[int, int, bool]] = {}
        for chunk in _chunks(ids, self.CHUNK):
            body = _ids_body(chunk, purpose=purpose)
            answer = self._call("/v1/sync/versions", _FenceVersions(), body)
            _only_asked(answer["versions"], chunk)
            _only_asked(answer["purposes"], chunk)
            _only_asked(answer["suppressed"], chunk)
            suppressed = set(answer["suppressed"])
            for subject_id, version in answer["versions"].items():
                of_purpose = answer["purposes"].get(subject_id, 0)
                found[subject_id] = (version, of_purpose, subject_id in suppressed)
        return found

    def subjects(self, ids: Sequence[uuid.UUID]) -> list[Snapshot]:
        """The registry's whole record of each of these subjects it holds."""
        found: list[Snapshot] = []
        for chunk in _chunks(ids, self.CHUNK):
            listed = self._call("/v1/sync/subjects", _Subjects(), _ids_body(chunk))["subjects"]
            _only_asked([subject["subject_id"] for subject in listed], chunk)
            found.extend(_snapshot(subject) for subject in listed)
        return found

    def _call(self, path: str, schema: Schema, body: bytes | None = None) -> dict[str, Any]:
        method = "GET" if body is None else "POST"
        headers = {"Authorization": f"Bearer {self.key}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        # The scheme was checked in __init__: only http(s) is ever opened (ruff S310).
        request = urllib.request.Request(  # noqa: S310
            self.base_url + path, data=body, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return schema.load(json.loads(response.read()))
        except urllib.error.HTTPError as error:
            hint = " (MAILER_REGISTRY_KEY needs the sync:read scope)" if error.code == 403 else ""
            answered = f"registry answered {error.code} to {method} {path}{hint}"
            raise RegistryClientError(answered) from None
        except (OSError, ValueError, ValidationError) as error:
            raise RegistryClientError(f"{method} {path} failed: {error}") from None


def _chunks(ids: Sequence[uuid.UUID], size: int) -> list[list[uuid.UUID]]:
    unique = list(dict.fromkeys(ids))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def _ids_body(ids: list[uuid.UUID], **extra: str) -> bytes:
    return json.dumps({"subject_ids": [str(subject_id) for subject_id in ids], **extra}).encode()


def _only_asked(answered: Any, asked: list[uuid.UUID]) -> None:
    """An answer about a subject nobody asked for means the registry misread the request."""
    stray = set(answered) - set(asked)
    if stray:
        raise RegistryClientError(
            f"registry answered about subjects not asked for: {sorted(stray)}"
        )


def _snapshot(subject: dict[str, Any]) -> Snapshot:
    subject_id: uuid.UUID = subject["subject_id"]
    if subject["erased"]:
        return Snapshot(subject_id, subject["version"], erased=True)
    return Snapshot(
        subject_id,
        subject["version"],
        contact=Contact(
            subject["email"], subject["locale"], subject["name"], subject["attributes"]
        ),
        consents={
            p: PurposeState(c["status"], c["version"]) for p, c in subject["consents"].items()
        },
        suppressed=subject["suppressed"],
    )
