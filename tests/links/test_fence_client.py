"""The mailer's `RegistryClient.versions` and `.subjects` against a running registry, and
against a stand-in that answers what a broken registry might."""

import json
import threading
import uuid
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mailer.adapters.registry_client import RegistryClient
from mailer.domain.events import Contact, PurposeState
from mailer.services.fence import RegistryClientError


@pytest.fixture
def registry_client(served, make_key) -> RegistryClient:
    return RegistryClient(served, make_key("sync:read", name="mailer"))


def test_versions_and_subjects_answer_for_held_subjects_only(
    registry_client, sign_up, subject, erase
) -> None:
    held = sign_up({"newsletters": True, "personalization": True}, locale="ru")
    gone = sign_up()
    erase(gone)
    unknown = uuid.uuid4()
    ids = [uuid.UUID(held), uuid.UUID(gone), unknown]
    versions = registry_client.versions(ids)
    assert versions == {
        uuid.UUID(held): subject(held)["version"],
        uuid.UUID(gone): versions[uuid.UUID(gone)],
    }
    snapshots = {s.subject_id: s for s in registry_client.subjects(ids)}
    assert set(snapshots) == {uuid.UUID(held), uuid.UUID(gone)}
    person = snapshots[uuid.UUID(held)]
    assert person.contact == Contact(subject(held)["email"], "ru", None, {})
    assert person.consents == {
        "newsletters": PurposeState("pending", 1),
        "personalization": PurposeState("granted", 2),
    }
    assert snapshots[uuid.UUID(gone)].erased
    assert snapshots[uuid.UUID(gone)].version == versions[uuid.UUID(gone)]


def test_more_than_a_thousand_ids_are_asked_in_chunks(registry_client, sign_up) -> None:
    held = [uuid.UUID(sign_up()) for _ in range(2)]
    ids = [*(uuid.uuid4() for _ in range(1500)), *held, *held]
    assert set(registry_client.versions(ids)) == set(held)
    assert {s.subject_id for s in registry_client.subjects(ids)} == set(held)


def test_no_ids_ask_nothing() -> None:
    client = RegistryClient("http://127.0.0.1:9", "ck_key", timeout=1)
    assert client.versions([]) == {}
    assert client.subjects([]) == []


def test_a_key_without_sync_read_is_a_registry_error(served, make_key) -> None:
    client = RegistryClient(served, make_key("consents:write"))
    with pytest.raises(RegistryClientError, match=r"403 .* needs the sync:read scope"):
        client.versions([uuid.uuid4()])
    with pytest.raises(RegistryClientError, match="403"):
        client.subjects([uuid.uuid4()])


@pytest.fixture
def stand_in() -> Iterator[tuple[dict, list, RegistryClient]]:
    """A registry that answers whatever JSON the test sets and records the bodies asked."""
    answers: dict[str, object] = {}
    asked: list[dict] = []

    @Request.application
    def app(request: Request) -> Response:
        asked.append(json.loads(request.get_data()))
        return Response(json.dumps(answers[request.path]), mimetype="application/json")

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield answers, asked, RegistryClient(f"http://127.0.0.1:{server.server_port}", "ck_key")
    server.shutdown()
    thread.join(timeout=10)


def test_each_chunk_holds_at_most_a_thousand_distinct_ids(stand_in) -> None:
    answers, asked, client = stand_in
    answers["/v1/sync/versions"] = {"versions": {}}
    ids = [uuid.uuid4() for _ in range(2001)]
    client.versions([*ids, *ids[:10]])
    assert [len(body["subject_ids"]) for body in asked] == [1000, 1000, 1]
    assert {i for body in asked for i in body["subject_ids"]} == {str(i) for i in ids}


ASKED = uuid.uuid4()
LISTED = {
    "subject_id": str(ASKED),
    "version": 2,
    "erased": False,
    "email": "aigul@example.kg",
    "locale": "ky",
    "name": None,
    "consents": {"newsletters": {"status": "granted", "version": 2}},
}


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/v1/sync/versions", {"versions": {str(uuid.uuid4()): 3}}),
        ("/v1/sync/versions", {"versions": {str(ASKED): "3"}}),
        ("/v1/sync/versions", {"versions": {str(ASKED): -1}}),
        ("/v1/sync/versions", {"versions": {"not-a-uuid": 1}}),
        ("/v1/sync/versions", {"subjects": []}),
        ("/v1/sync/subjects", {"subjects": [LISTED | {"subject_id": str(uuid.uuid4())}]}),
        ("/v1/sync/subjects", {"subjects": [LISTED | {"version": 2.5}]}),
        (
            "/v1/sync/subjects",
            {
                "subjects": [
                    LISTED | {"consents": {"newsletters": {"status": "maybe", "version": 2}}}
                ]
            },
        ),
        ("/v1/sync/subjects", {"versions": {}}),
    ],
    ids=[
        "stray-version",
        "text-version",
        "negative-version",
        "bad-id",
        "no-versions",
        "stray-subject",
        "float-version",
        "bad-status",
        "no-subjects",
    ],
)
def test_an_answer_that_does_not_validate_is_refused(stand_in, path: str, answer) -> None:
    answers, _, client = stand_in
    answers[path] = answer
    ask = client.versions if path.endswith("versions") else client.subjects
    with pytest.raises(RegistryClientError):
        ask([ASKED])


def test_a_valid_stand_in_answer_becomes_snapshots_and_unknown_fields_are_ignored(
    stand_in,
) -> None:
    answers, _, client = stand_in
    answers["/v1/sync/subjects"] = {"subjects": [LISTED | {"new": 1}], "more": True}
    [snapshot] = client.subjects([ASKED])
    assert snapshot.consents["newsletters"] == PurposeState("granted", 2)


def test_an_unreachable_registry_is_a_registry_error() -> None:
    client = RegistryClient("http://127.0.0.1:9", "ck_key", timeout=2)
    with pytest.raises(RegistryClientError, match="failed"):
        client.versions([uuid.uuid4()])
    with pytest.raises(RegistryClientError, match="failed"):
        client.subjects([uuid.uuid4()])
