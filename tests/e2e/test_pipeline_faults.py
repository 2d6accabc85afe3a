"""Guarantee 2 (nothing lost) and 3 (no regression), proved by causing the faults.

Real processes (`consent serve`, `consent relay`, `mailer work`), the machine's RabbitMQ and
PostgreSQL, and the embedded broker. Unless a test is about catch-up, the mailer runs without
a registry key, so catch-up is off and only the event path can make the view right.
"""

import random
from collections.abc import Iterator

import pika
import pytest

from schemas.messages import topology
from tests.databases import fresh_postgres
from tests.factories import unique_email
from tests.processes import consent_cli
from tests.stack import (
    Stack,
    mailer_state,
    outbox_unsent,
    registry_state,
    wait_until,
)

PURPOSES = ["newsletters", "promotions", "surveys", "personalization"]


def random_decisions(rng: random.Random) -> dict[str, bool]:
    chosen = rng.sample(PURPOSES, rng.randint(1, len(PURPOSES)))
    return {purpose: rng.random() < 0.6 for purpose in chosen}


def sign_up(stack: Stack, rng: random.Random, email: str | None = None) -> str:
    body = {
        "subject": {"email": email or unique_email(), "locale": rng.choice(["ky", "ru", "en"])},
        "purposes": random_decisions(rng),
        "source": "registration",
    }
    status, answer = stack.call("POST", "/v1/consents", body)
    assert status in (200, 201), answer
    return answer["subject_id"]


def change(stack: Stack, rng: random.Random, subject_id: str) -> None:
    purpose = rng.choice(PURPOSES)
    body = {"status": rng.choice(["granted", "withdrawn"]), "source": "preference_center"}
    status, answer = stack.call("PUT", f"/v1/subjects/{subject_id}/consents/{purpose}", body)
    assert status == 200, answer


def views_agree(stack: Stack) -> bool:
    registry = registry_state(stack.environ["CONSENT_DATABASE_URL"])
    return bool(registry) and mailer_state(stack.environ["MAILER_DATABASE_URL"]) == registry


def assert_views_agree(stack: Stack, timeout: float = 60) -> None:
    if not wait_until(lambda: views_agree(stack), timeout):
        registry = registry_state(stack.environ["CONSENT_DATABASE_URL"])
        mailer = mailer_state(stack.environ["MAILER_DATABASE_URL"])
        differing = {s for s in registry.keys() | mailer.keys() if registry.get(s) != mailer.get(s)}
        pytest.fail(
            f"{len(differing)} of {len(registry)} subjects differ, e.g. {sorted(differing)[:3]}"
        )


def kill_mid_flight(stack: Stack, part: str, subjects: int) -> None:
    """Start `part`, SIGKILL it once the view holds some but not all subjects, start it again."""
    stack.start(part)
    in_flight = wait_until(
        lambda: 0 < len(mailer_state(stack.environ["MAILER_DATABASE_URL"])) < subjects, 30, 0.02
    )
    assert in_flight, f"the {part} handled nothing or everything before it could be killed"
    stack.kill(part)
    stack.start(part)


def _stack(tmp_path, **settings: str) -> Iterator[Stack]:
    """A migrated registry, an API key, and the parts ready to start with `settings`."""
    environ = {
        "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
        "CONSENT_SECRET_KEY": "stack-secret",
        "CONSENT_RELAY_BATCH_SIZE": "50",
        "MAILER_REGISTRY_KEY": "",
        **settings,
    }
    assert consent_cli(environ, "db", "upgrade").returncode == 0
    stack = Stack(environ, tmp_path)
    stack.create_key()
    yield stack
    stack.stop_all()


@pytest.fixture
def rabbit_stack(tmp_path, rabbitmq_url) -> Iterator[Stack]:
    """Registry and mailer on fresh PostgreSQL databases, events over a fresh RabbitMQ vhost."""
    with (
        fresh_postgres("consent_stack") as registry_db,
        fresh_postgres("mailer_stack") as mailer_db,
    ):
        yield from _stack(
            tmp_path,
            CONSENT_DATABASE_URL=registry_db,
            MAILER_DATABASE_URL=mailer_db,
            BROKER_URL=rabbitmq_url,
        )


@pytest.fixture
def embedded_stack(tmp_path) -> Iterator[Stack]:
    """The default set-up: SQLite files and the embedded broker under one instance dir."""
    yield from _stack(
        tmp_path,
        CONSENT_DATABASE_URL=f"sqlite:///{tmp_path / 'instance' / 'consent.db'}",
        MAILER_DATABASE_URL=f"sqlite:///{tmp_path / 'instance' / 'mailer.db'}",
        BROKER_URL="",
    )


def test_writes_during_a_rabbitmq_outage_succeed_and_reach_the_mailer(
    rabbit_stack, rabbitmq_control
) -> None:
    rng = random.Random(1)
    for part in ("api", "relay", "mailer"):
        rabbit_stack.start(part)
    subjects = [sign_up(rabbit_stack, rng) for _ in range(20)]
    rabbitmq_control("stop_app")
    subjects += [sign_up(rabbit_stack, rng) for _ in range(20)]
    for subject_id in rng.sample(subjects, 20):
        change(rabbit_stack, rng, subject_id)
    status, ready = rabbit_stack.call("GET", "/readyz")
    assert (status, ready["checks"]["broker"]) == (200, "unreachable")
    rabbitmq_control("start_app")
    assert_views_agree(rabbit_stack)


def test_relay_killed_mid_batch_loses_nothing(rabbit_stack) -> None:
    rng = random.Random(2)
    rabbit_stack.start("api")
    for _ in range(300):
        sign_up(rabbit_stack, rng)
    rabbit_stack.start("mailer")
    kill_mid_flight(rabbit_stack, "relay", subjects=300)
    assert_views_agree(rabbit_stack)


def test_mailer_killed_while_consuming_loses_nothing(rabbit_stack) -> None:
    rng = random.Random(3)
    rabbit_stack.start("api")
    rabbit_stack.start("relay")
    for _ in range(300):
        sign_up(rabbit_stack, rng)
    kill_mid_flight(rabbit_stack, "mailer", subjects=300)
    assert_views_agree(rabbit_stack)


def test_two_mailers_and_two_relays_share_the_work_and_agree(rabbit_stack) -> None:
    rng = random.Random(4)
    rabbit_stack.start("api")
    for name in ("relay-1", "relay-2"):
        rabbit_stack.start("relay", name)
    for name in ("mailer-1", "mailer-2"):
        rabbit_stack.start("mailer", name)
    subjects = [sign_up(rabbit_stack, rng) for _ in range(60)]
    for _ in range(120):
        change(rabbit_stack, rng, rng.choice(subjects))
    assert_views_agree(rabbit_stack)


def test_a_purged_queue_is_repaired_by_catch_up(rabbit_stack) -> None:
    rng = random.Random(5)
    rabbit_stack.start("api")
    rabbit_stack.start("relay")
    for _ in range(30):
        sign_up(rabbit_stack, rng)
    registry_url = rabbit_stack.environ["CONSENT_DATABASE_URL"]
    assert wait_until(lambda: outbox_unsent(registry_url) == 0, 20)
    assert _queue_depth(rabbit_stack) > 0
    _purge(rabbit_stack)
    rabbit_stack.environ |= {
        "MAILER_REGISTRY_KEY": rabbit_stack.key,
        "MAILER_REGISTRY_URL": rabbit_stack.base,
    }
    rabbit_stack.start("mailer")
    assert_views_agree(rabbit_stack)


def test_embedded_broker_survives_killing_every_part(embedded_stack) -> None:
    """The filesystem broker deletes a message before the ack: a killed mailer loses what it
    held, and catch-up must bring it back."""
    rng = random.Random(6)
    embedded_stack.environ |= {"MAILER_CATCHUP_INTERVAL": "2"}
    embedded_stack.start("api")
    embedded_stack.environ |= {
        "MAILER_REGISTRY_KEY": embedded_stack.key,
        "MAILER_REGISTRY_URL": embedded_stack.base,
    }
    embedded_stack.start("relay")
    embedded_stack.start("mailer")
    subjects = [sign_up(embedded_stack, rng) for _ in range(100)]
    embedded_stack.kill("relay")
    embedded_stack.kill("mailer")
    for subject_id in subjects[:50]:
        change(embedded_stack, rng, subject_id)
    embedded_stack.start("relay")
    embedded_stack.start("mailer")
    embedded_stack.kill("mailer")
    embedded_stack.start("mailer")
    assert_views_agree(embedded_stack)


def test_a_thousand_random_changes_across_two_broker_restarts_end_equal(
    rabbit_stack, rabbitmq_control
) -> None:
    rng = random.Random(7)
    for part in ("api", "relay", "mailer"):
        rabbit_stack.start(part)
    subjects: list[str] = []
    for step in range(1000):
        if step in (300, 650):
            rabbitmq_control("stop_app")
        if step in (400, 750):
            rabbitmq_control("start_app")
        if not subjects or rng.random() < 0.3:
            subjects.append(sign_up(rabbit_stack, rng))
        else:
            change(rabbit_stack, rng, rng.choice(subjects))
    assert_views_agree(rabbit_stack, timeout=120)
    registry = registry_state(rabbit_stack.environ["CONSENT_DATABASE_URL"])
    mailer = mailer_state(rabbit_stack.environ["MAILER_DATABASE_URL"])
    for subject_id in subjects:
        assert mailer[subject_id] == registry[subject_id]


def _queue_depth(stack: Stack) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(stack.environ["BROKER_URL"]))
    try:
        return (
            connection.channel()
            .queue_declare(topology.MAILER_QUEUE, passive=True)
            .method.message_count
        )
    finally:
        connection.close()


def _purge(stack: Stack) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(stack.environ["BROKER_URL"]))
    try:
        connection.channel().queue_purge(topology.MAILER_QUEUE)
    finally:
        connection.close()
