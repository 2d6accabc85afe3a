"""The mailer's reads of the registry: the catch-up feed and the send-time fence.

Catch-up (docs/decisions/0006-catch-up.md) repairs a view that lost messages; the fence
(docs/decisions/0010-links-and-tokens.md) lets the mailer check, immediately before each send
batch, that it has applied every change the registry has answered for (SPEC guarantee 1).
"""

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from consent_service.api.http import require
from consent_service.faces.bodies import json_body
from consent_service.faces.problems import Problem
from consent_service.faces.transactions import read_only
from consent_service.openapi.operations import documented, problem, returns
from consent_service.services import sync
from consent_service.services.sync import SubjectSnapshot
from plumbing.catch_up import BUCKETS
from schemas.api.sync import (
    BucketSchema,
    DigestsSchema,
    ListedSubjectsSchema,
    SubjectIdsSchema,
    VersionsRequestSchema,
    VersionsSchema,
)

blueprint = Blueprint("sync", __name__)
_subject_ids = SubjectIdsSchema()
_versions_request = VersionsRequestSchema()


def _listed(snapshot: SubjectSnapshot) -> dict[str, Any]:
    """One subject as every listing shows it; an erased one carries no contact data."""
    state = snapshot.state
    return {
        "subject_id": state.subject_id,
        "version": state.version,
        "erased": state.erased,
        "email": None if state.erased else snapshot.email,
        "locale": None if state.erased else snapshot.locale,
        "name": None if state.erased else snapshot.name,
        "suppressed": snapshot.suppressed,
        "attributes": {} if state.erased else (snapshot.attributes or {}),
        "consents": {
            purpose: {"status": status, "version": version}
            for purpose, (status, version) in state.consents.items()
        },
    }


def _secret_keys() -> tuple[str, ...]:
    """The keys the suppression list may be hashed under, newest first."""
    settings = current_app.extensions["consent.settings"]
    return (settings.secret_key, *settings.previous_secret_keys)


@blueprint.get("/v1/sync/digest")
@require("sync:read")
@documented(returns(200, DigestsSchema, "The digests"))
def digest() -> Response:
    """One digest per bucket of subject ids; the mailer compares them with its own."""
    with read_only() as registry:
        return jsonify({"buckets": sync.digests(registry)})


@blueprint.get("/v1/sync/buckets/<name>")
@require("sync:read")
@documented(
    returns(200, BucketSchema, "The bucket's subjects"),
    problem(404, "Not a bucket: buckets are two lower-case hex digits."),
)
def bucket(name: str) -> Response:
    """Every subject of one bucket with what the mailer needs to know of it."""
    if name not in BUCKETS:
        raise Problem(
            404, "Unknown bucket", "Buckets are two lower-case hex digits.", slug="unknown-bucket"
        )
    with read_only() as registry:
        snapshots = sync.bucket(registry, name, secret_keys=_secret_keys())
    return jsonify({"bucket": name, "subjects": [_listed(s) for s in snapshots]})


@blueprint.post("/v1/sync/versions")
@require("sync:read")
@documented(returns(200, VersionsSchema, "The versions"), body=VersionsRequestSchema)
def versions() -> Response:
    """The current version of each named subject the registry holds (the send-time fence).

    Unknown ids are left out; erased subjects are listed with their tombstone's version.
    `suppressed` names those whose current address no campaign email may go to.
    """
    body = json_body(_versions_request)
    ids, purpose = body["subject_ids"], body.get("purpose")
    with read_only() as registry:
        found = sync.versions(registry, ids)
        of_purpose = sync.purpose_versions(registry, ids, purpose) if purpose else None
        suppressed = sync.suppressed(registry, ids, secret_keys=_secret_keys())
    answer: dict[str, Any] = {"versions": {str(subject_id): v for subject_id, v in found.items()}}
    answer["suppressed"] = sorted(str(subject_id) for subject_id in suppressed)
    if of_purpose is not None:
        answer["purposes"] = {str(subject_id): v for subject_id, v in of_purpose.items()}
    return jsonify(answer)


@blueprint.post("/v1/sync/subjects")
@require("sync:read")
@documented(returns(200, ListedSubjectsSchema, "The subjects"), body=SubjectIdsSchema)
def subjects() -> Response:
    """The named subjects the registry holds, each exactly as a bucket listing shows it."""
    ids = json_body(_subject_ids)["subject_ids"]
    with read_only() as registry:
        snapshots = sync.subjects(registry, ids, secret_keys=_secret_keys())
    return jsonify({"subjects": [_listed(s) for s in snapshots]})
