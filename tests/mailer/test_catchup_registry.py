"""Catch-up end to end against the real registry's sync endpoints, over HTTP."""

import uuid
from pathlib import Path

import pytest

from mailer.adapters.registry_client import RegistryClient
from mailer.services.apply import apply_message
from mailer.services.catchup import catch_up, local_digests
from mailer.services.fence import RegistryClientError
from schemas.messages import load_message
from tests.mailer import factories
from tests.mailer.registry import RunningRegistry, running_registry


@pytest.fixture
def registry(tmp_path: Path):
    with running_registry(tmp_path) as running:
        yield running


def sign_up(registry: RunningRegistry, purposes: dict[str, bool]) -> str:
    body = {
        "subject": {"email": factories.unique_email(), "locale": "ru"},
        "purposes": purposes,
        "source": "registration",
    }
    return registry.call("POST", "/v1/consents", body)["subject_id"]


def test_catch_up_repairs_a_view_that_missed_messages_until_it_equals_the_registry(
    registry: RunningRegistry, unit_of_work
) -> None:
    subjects = [
        sign_up(registry, {"newsletters": True, "personalization": True}),
        sign_up(registry, {"promotions": False, "surveys": True}),
        sign_up(registry, {"personalization": True}),
        sign_up(registry, {"newsletters": True, "promotions": True, "surveys": False}),
    ]
    registry.call(
        "PUT",
        f"/v1/subjects/{subjects[2]}/consents/personalization",
        {"status": "withdrawn", "source": "preference_center"},
    )
    outbox = registry.outbox()
    for message in outbox[: len(outbox) // 2]:
        with unit_of_work() as store:
            apply_message(store, load_message(message))
    stray = uuid.uuid4()
    with unit_of_work() as store:
        apply_message(store, load_message(factories.consent_changed(stray, 1)))

    client = RegistryClient(registry.base_url, registry.key)
    report = catch_up(unit_of_work, client)

    assert report.buckets_differing >= 1
    assert local_digests(unit_of_work) == client.digests()
    for subject_id in subjects:
        answer = registry.call("GET", f"/v1/subjects/{subject_id}")
        with unit_of_work() as store:
            recipient = store.load(uuid.UUID(subject_id)).recipient
        assert recipient.contact.email == answer["email"]
        assert recipient.contact.locale == answer["locale"]
        assert {p: s.status for p, s in recipient.consents.items()} == {
            p: c["status"] for p, c in answer["consents"].items()
        }
    with unit_of_work() as store:
        assert store.load(stray).recipient is None
    assert catch_up(unit_of_work, client).buckets_differing == 0


def test_catch_up_refuses_to_run_with_a_key_the_registry_does_not_know(
    registry: RunningRegistry, sqlite_unit_of_work
) -> None:
    client = RegistryClient(registry.base_url, "ck_unknown.secret")
    with pytest.raises(RegistryClientError, match="401"):
        catch_up(sqlite_unit_of_work, client)


def test_catch_up_brings_attributes_the_view_missed(
    registry: RunningRegistry, unit_of_work
) -> None:
    subject_id = sign_up(registry, {"newsletters": True})
    for message in registry.outbox():
        with unit_of_work() as store:
            apply_message(store, load_message(message))
    change = {"attributes": {"plan": "pro", "renewal": "2027-01-31", "seats": 3}}
    registry.call("PATCH", f"/v1/subjects/{subject_id}", change)  # its message is missed
    client = RegistryClient(registry.base_url, registry.key)
    assert catch_up(unit_of_work, client).buckets_differing >= 1
    with unit_of_work() as store:
        recipient = store.load(uuid.UUID(subject_id)).recipient
    assert recipient is not None
    assert recipient.contact.attributes == change["attributes"]
    assert registry.call("GET", f"/v1/subjects/{subject_id}")["attributes"] == dict(
        recipient.contact.attributes
    )
