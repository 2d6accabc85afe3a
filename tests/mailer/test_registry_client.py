"""The registry client refuses answers that would corrupt the view, whatever the registry says."""

import json
import threading
import uuid
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mailer.adapters.registry_client import RegistryClient
from mailer.services.fence import RegistryClientError
from plumbing.catch_up import BUCKETS

GOOD_DIGESTS = {"buckets": dict.fromkeys(BUCKETS, "0" * 64)}
SUBJECT = {
    "subject_id": str(uuid.UUID("ab" + uuid.uuid4().hex[2:])),
    "version": 2,
    "erased": False,
    "email": "aigul@example.kg",
    "locale": "ky",
    "name": None,
    "consents": {"newsletters": {"status": "granted", "version": 2}},
}


@pytest.fixture
def answering() -> Iterator:
    """A stand-in registry that answers whatever JSON the test sets."""
    answers: dict[str, object] = {}

    @Request.application
    def app(request: Request) -> Response:
        return Response(json.dumps(answers[request.path]), mimetype="application/json")

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield answers, RegistryClient(f"http://127.0.0.1:{server.server_port}", "ck_key")
    server.shutdown()
    thread.join(timeout=10)


def test_a_valid_listing_becomes_snapshots_and_unknown_fields_are_ignored(answering) -> None:
    answers, client = answering
    answers["/v1/sync/buckets/ab"] = {"bucket": "ab", "subjects": [SUBJECT | {"new": 1}]}
    [snapshot] = client.bucket("ab")
    assert str(snapshot.subject_id) == SUBJECT["subject_id"]
    assert snapshot.contact.email == "aigul@example.kg"
    assert snapshot.consents["newsletters"].version == 2


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/v1/sync/digest", {"buckets": dict(list(GOOD_DIGESTS["buckets"].items())[:255])}),
        ("/v1/sync/digest", {"buckets": GOOD_DIGESTS["buckets"] | {"00": "not hex"}}),
        ("/v1/sync/buckets/ab", {"bucket": "ac", "subjects": []}),
        (
            "/v1/sync/buckets/ab",
            {"bucket": "ab", "subjects": [SUBJECT | {"subject_id": str(uuid.UUID(int=1))}]},
        ),
        ("/v1/sync/buckets/ab", {"bucket": "ab", "subjects": [SUBJECT | {"version": "2"}]}),
        (
            "/v1/sync/buckets/ab",
            {
                "bucket": "ab",
                "subjects": [
                    SUBJECT | {"consents": {"newsletters": {"status": "maybe", "version": 1}}}
                ],
            },
        ),
    ],
    ids=[
        "missing-bucket",
        "bad-digest",
        "wrong-bucket",
        "subject-elsewhere",
        "text-version",
        "bad-status",
    ],
)
def test_an_answer_that_does_not_validate_is_refused(answering, path: str, answer: dict) -> None:
    answers, client = answering
    answers[path] = answer
    with pytest.raises(RegistryClientError):
        client.digests() if path.endswith("digest") else client.bucket("ab")


def test_an_unreachable_registry_is_a_registry_error() -> None:
    with pytest.raises(RegistryClientError, match="failed"):
        RegistryClient("http://127.0.0.1:9", "ck_key", timeout=2).digests()
