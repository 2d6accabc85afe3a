"""The change feed the mailer reads to catch up after a lost message (SPEC section 1)."""

from flask import Blueprint, Response, jsonify

from consent_service.api.http import read_only, require
from consent_service.api.problems import Problem
from consent_service.services import sync
from schemas.messages.sync import BUCKETS

blueprint = Blueprint("sync", __name__)


@blueprint.get("/v1/sync/digest")
@require("subjects:read")
def digest() -> Response:
    """One digest per bucket of subject ids; the mailer compares them with its own."""
    with read_only() as registry:
        return jsonify({"buckets": sync.digests(registry)})


@blueprint.get("/v1/sync/buckets/<name>")
@require("subjects:read")
def bucket(name: str) -> Response:
    """Every subject of one bucket with what the mailer needs to know of it."""
    if name not in BUCKETS:
        raise Problem(
            404, "Unknown bucket", "Buckets are two lower-case hex digits.", slug="unknown-bucket"
        )
    with read_only() as registry:
        snapshots = sync.bucket(registry, name)
    return jsonify(
        {
            "bucket": name,
            "subjects": [
                {
                    "subject_id": s.state.subject_id,
                    "version": s.state.version,
                    "erased": s.state.erased,
                    "email": None if s.state.erased else s.email,
                    "locale": None if s.state.erased else s.locale,
                    "name": None if s.state.erased else s.name,
                    "consents": {
                        purpose: {"status": status, "version": version}
                        for purpose, (status, version) in s.state.consents.items()
                    },
                }
                for s in snapshots
            ],
        }
    )
