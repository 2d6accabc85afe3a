"""Idempotency-Key through the service: a retry gets the first answer and runs nothing."""

import pytest

from consent_service.services.idempotency import KeyReused, replay_or_run
from tests.unit.services.conftest import NOW


def test_a_retry_gets_the_first_answer_without_running_the_work_again(registry) -> None:
    runs = []

    def work():
        runs.append(1)
        return 201, {"subject_id": "s-1"}, None

    first = replay_or_run(registry, api_key_id="k", key="a", request_hash="h", run=work, now=NOW)
    again = replay_or_run(registry, api_key_id="k", key="a", request_hash="h", run=work, now=NOW)
    assert (first, again) == (
        (201, {"subject_id": "s-1"}, False),
        (201, {"subject_id": "s-1"}, True),
    )
    assert runs == [1]


def test_the_same_key_with_another_body_is_refused(registry) -> None:
    replay_or_run(
        registry, api_key_id="k", key="a", request_hash="h1", run=lambda: (200, {}, None), now=NOW
    )
    with pytest.raises(KeyReused):
        replay_or_run(
            registry,
            api_key_id="k",
            key="a",
            request_hash="h2",
            run=lambda: pytest.fail("must not run"),
            now=NOW,
        )


def test_keys_of_different_clients_do_not_meet(registry) -> None:
    for client in ("k1", "k2"):
        _, _, replayed = replay_or_run(
            registry,
            api_key_id=client,
            key="same",
            request_hash=client,
            run=lambda: (201, {}, None),
            now=NOW,
        )
        assert not replayed


def test_a_work_that_fails_stores_no_answer(uow, tables) -> None:
    def failing():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError), uow.transaction() as registry:
        replay_or_run(registry, api_key_id="k", key="a", request_hash="h", run=failing, now=NOW)
    assert tables.answers == {}
