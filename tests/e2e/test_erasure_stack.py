"""Rectification and erasure through the whole service, as real processes (`consent serve`,
`consent relay`, `mailer work`) sending to the fake SendGrid: on PostgreSQL with RabbitMQ,
and on SQLite with the embedded broker under the instance directory.

One story per kind: three subscribers; one rectifies their address, one rectifies theirs
and is then erased, one stays as they are; a message the mailer cannot apply has put a copy
of two of their addresses in the dead-letter queue. Within seconds of the 204 neither the
erased person's address nor their earlier one is in any table of either database, in any
file of the instance, in the dead letters or in the logs; the ledger still verifies; the
next campaign reaches the new address, not the old one and not the erased person; and an
import of the erased address, or of the erased person's earlier one, is refused, through the
API and through `consent import` alike.
"""

import csv
import json
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Connection
from sqlalchemy import create_engine, text

from consent_service.config import database_url as driver_url
from consent_service.domain.import_rows import COLUMNS
from mailer.adapters.broker import consent_events, dead_letter_queue, declare_topology
from plumbing.broker.connection import broker_connection
from tests.campaign_stack import campaign_stack, create_campaign, start_run, wait_for_run
from tests.fake_sendgrid import FakeSendGrid
from tests.leftovers import files_holding, tables_holding
from tests.processes import consent_cli
from tests.stack import Stack, wait_until

KINDS = ["embedded", pytest.param("rabbitmq", marks=pytest.mark.postgres)]


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as server:
        yield server


@pytest.fixture(params=KINDS)
def stack(request, tmp_path: Path, fake: FakeSendGrid) -> Iterator[Stack]:
    broker = (
        {}
        if request.param == "embedded"
        else {"BROKER_URL": request.getfixturevalue("rabbitmq_url")}
    )
    with campaign_stack(tmp_path, request.param, fake, **broker) as running:
        running.start("api")
        running.start("relay")
        running.start("mailer")
        yield running


def sign_up(stack: Stack, email: str, name: str) -> str:
    body = {
        "subject": {"email": email, "locale": "en", "name": name},
        "purposes": {"newsletters": True},
        "source": "registration",
    }
    status, answer = stack.call("POST", "/v1/consents", body)
    assert status == 201, answer
    return answer["subject_id"]


def delete(stack: Stack, subject_id: str) -> int:
    request = urllib.request.Request(f"{stack.base}/v1/subjects/{subject_id}", method="DELETE")
    request.add_header("Authorization", f"Bearer {stack.key}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def mailer_addresses(stack: Stack) -> dict[str, str]:
    engine = create_engine(driver_url(stack.environ["MAILER_DATABASE_URL"]))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT subject_id, email FROM recipients")).all()
    except Exception:  # noqa: BLE001 - the mailer has not created its tables yet
        return {}
    finally:
        engine.dispose()
    return {str(uuid.UUID(str(subject))): email for subject, email in rows}


def broker(stack: Stack) -> Connection:
    return broker_connection(
        stack.environ.get("BROKER_URL") or None, stack.environ["CONSENT_INSTANCE_DIR"]
    )


def publish_unappliable(stack: Stack, subject_id: str, email: str) -> None:
    """A message of a schema this mailer does not know: it ends in the dead-letter queue."""
    body = {
        "schema": "consent.changed/2",
        "message_id": str(uuid.uuid4()),
        "subject_id": subject_id,
        "email": email,
    }
    with broker(stack) as connection:
        channel = connection.channel()
        declare_topology(channel, connection.transport.driver_type == "amqp")
        connection.Producer(channel).publish(
            json.dumps(body).encode(),
            exchange=consent_events(),
            routing_key="consent.newsletters.granted",
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
        )
        channel.close()


def dead_letter_subjects(stack: Stack) -> list[str]:
    """The subject ids of the dead letters, read and handed back unchanged."""
    with broker(stack) as connection:
        channel = connection.channel()
        queue = dead_letter_queue().bind(channel)
        queue.declare()
        held = []
        while (message := queue.get(no_ack=False)) is not None:
            held.append(message)
        subjects = [json.loads(message.body)["subject_id"] for message in held]
        for message in held:
            message.requeue()
        channel.close()
    return subjects


def dead_letter_count(stack: Stack) -> int:
    """How many dead letters wait, without taking them: a reader holding them would hide
    them from the mailer's sweep."""
    with broker(stack) as connection:
        channel = connection.channel()
        queue = dead_letter_queue().bind(channel)
        queue.declare()
        _, count, _ = queue.queue_declare(passive=True)
        channel.close()
    return count


def import_refused(stack: Stack, email: str) -> bool:
    body = {"subject": {"email": email}, "purposes": {"newsletters": True}, "source": "import"}
    status, answer = stack.call("POST", "/v1/consents", body)
    return status == 409 and answer["type"].endswith("/conflict")


def cli_import_rejects(environ: dict[str, str], folder: Path, email: str) -> bool:
    """Whether `consent import` rejects a granted row for `email` as an erased address."""
    path = folder / f"import-{uuid.uuid4().hex[:8]}.csv"
    with path.open("w", newline="") as handle:
        rows = csv.DictWriter(handle, fieldnames=COLUMNS)
        rows.writeheader()
        rows.writerow(
            {
                "email": email,
                "purpose": "newsletters",
                "status": "granted",
                "consented_at": "2026-11-05T10:00:00+06:00",
                "source": "newsletter_form",
                "policy_version": "2026-11-01",
            }
        )
    result = consent_cli(environ, "import", str(path))
    assert "imported 0, unchanged 0, rejected 1" in result.stdout, result.stdout + result.stderr
    with path.with_name(f"{path.stem}.rejected.csv").open(newline="") as handle:
        [rejected] = csv.DictReader(handle)
    return "suppression list (erased)" in rejected["reason"]


def test_rectified_and_erased_people_are_followed_by_the_mailer_and_the_erased_leave_no_trace(
    stack: Stack, fake: FakeSendGrid, tmp_path: Path
) -> None:
    rectified = sign_up(stack, "rita.old@example.kg", "Rita Rectified")
    erased = sign_up(stack, "erkin.first@example.kg", "Erkin Erased")
    kept = sign_up(stack, "kept@example.kg", "Kept Subscriber")
    assert wait_until(lambda: len(mailer_addresses(stack)) == 3, 60), "the view never filled"
    publish_unappliable(stack, erased, "erkin.first@example.kg")
    publish_unappliable(stack, kept, "kept@example.kg")
    assert wait_until(lambda: dead_letter_count(stack) == 2, 30), "no dead letters"
    assert sorted(dead_letter_subjects(stack)) == sorted([erased, kept])

    for subject_id, address in ((rectified, "rita.new@example.kg"), (erased, "erkin@example.kg")):
        status, answer = stack.call("PATCH", f"/v1/subjects/{subject_id}", {"email": address})
        assert (status, answer["email"]) == (200, address)
    assert wait_until(
        lambda: mailer_addresses(stack).get(rectified) == "rita.new@example.kg", 15
    ), "the mailer's view did not follow the rectification"
    assert wait_until(lambda: mailer_addresses(stack).get(erased) == "erkin@example.kg", 15)

    traces = ["erkin.first@example.kg", "erkin@example.kg", "Erkin Erased"]
    instance = Path(stack.environ["CONSENT_INSTANCE_DIR"])
    assert tables_holding(stack.environ["MAILER_DATABASE_URL"], traces), "the search is blind"
    if stack.environ["CONSENT_DATABASE_URL"].startswith("sqlite"):
        assert {"consent.db", "mailer.db"} <= {
            Path(path).name.partition("-")[0] for path in files_holding(instance, traces)
        }, "the search of the files is blind"
    assert delete(stack, erased) == 204

    def nothing_left() -> bool:
        return (
            erased not in mailer_addresses(stack)
            and not tables_holding(stack.environ["CONSENT_DATABASE_URL"], traces)
            and not tables_holding(stack.environ["MAILER_DATABASE_URL"], traces)
            and not files_holding(instance, traces)
            and dead_letter_count(stack) == 1
        )

    assert wait_until(nothing_left, 10, 0.5), (
        tables_holding(stack.environ["CONSENT_DATABASE_URL"], traces),
        tables_holding(stack.environ["MAILER_DATABASE_URL"], traces),
        files_holding(instance, traces),
        dead_letter_count(stack),
    )
    assert dead_letter_subjects(stack) == [kept]
    assert not files_holding(tmp_path, [*traces, "rita.old@", "rita.new@"], skip="instance/*")
    verified = consent_cli(stack.environ, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    campaign_id = create_campaign(stack)
    run = wait_for_run(stack, campaign_id, start_run(stack, campaign_id))
    assert run["counts"]["sent"] == 2
    assert sorted(a.email for a in fake.accepted()) == ["kept@example.kg", "rita.new@example.kg"]

    for address in ("Erkin@Example.KG", "erkin.first@example.kg"):
        assert import_refused(stack, address), address
        assert cli_import_rejects(stack.environ, tmp_path, address), address
