"""The send-time fence over HTTP: the real registry client against a stand-in of the registry's
two fence endpoints. No batch goes out unless the registry could be asked (guarantee 1)."""

import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from mailer.adapters import orm
from mailer.adapters.registry_client import RegistryClient
from mailer.domain.events import PurposeState, Snapshot
from mailer.services.sending.sender import Sender
from tests.mailer import factories
from tests.mailer.runs import (
    HandClock,
    MirrorRegistryClient,
    apply,
    batch_states,
    drive,
    emails_per_subject,
    file_backend,
    ledger,
    ledger_states,
    registry_stub,
    request_run,
    run_row,
    seed,
    settings,
    snapshots_of_view,
)


def withdrawn(snapshot: Snapshot, version: int) -> Snapshot:
    return Snapshot(
        snapshot.subject_id,
        version,
        contact=snapshot.contact,
        consents={"newsletters": PurposeState("withdrawn", version)},
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_withdrawal_the_registry_answered_is_fetched_and_honoured_before_sending(
    unit_of_work, tmp_path: Path
) -> None:
    ids = seed(unit_of_work, 12)
    run_id = request_run(unit_of_work)
    registry = snapshots_of_view(unit_of_work)
    registry[ids[2]] = withdrawn(registry[ids[2]], version=2)
    registry[ids[11]] = withdrawn(registry[ids[11]], version=7)
    instance = tmp_path / "instance"

    with registry_stub(lambda: registry) as url:
        client = RegistryClient(url, "ck_test")
        drive(Sender(unit_of_work, file_backend(instance), client, None, settings()))

    states = ledger(unit_of_work, run_id)
    assert [i for i in ids if states[i] == "skipped_withdrawn"] == [ids[2], ids[11]]
    assert set(emails_per_subject(instance, run_id)) == set(ids) - {ids[2], ids[11]}
    with unit_of_work() as store:
        assert store.load(ids[11]).recipient.version == 7


def test_a_withdrawal_still_in_flight_behind_a_newer_change_of_another_purpose_is_honoured(
    unit_of_work, tmp_path: Path
) -> None:
    """Withdrawn at version 5, promotions granted at 6; the mailer got 6 but not yet 5.

    The view's subject version (6) equals the registry's, so only the purpose's own version
    shows that the newsletters status the view holds (version 1) is out of date.
    """
    [subject_id] = seed(unit_of_work, 1)
    run_id = request_run(unit_of_work)
    apply(
        unit_of_work,
        factories.consent_changed(subject_id, 6, purpose="promotions", status="granted"),
    )
    registry = snapshots_of_view(unit_of_work)
    held = registry[subject_id]
    registry[subject_id] = Snapshot(
        subject_id,
        6,
        contact=held.contact,
        consents={
            "newsletters": PurposeState("withdrawn", 5),
            "promotions": PurposeState("granted", 6),
        },
    )
    instance = tmp_path / "instance"

    with registry_stub(lambda: registry) as url:
        client = RegistryClient(url, "ck_test")
        drive(Sender(unit_of_work, file_backend(instance), client, None, settings()))

    assert ledger(unit_of_work, run_id) == {subject_id: "skipped_withdrawn"}
    assert emails_per_subject(instance, run_id) == {}


def test_an_older_answer_from_the_registry_never_moves_the_view_back(
    unit_of_work, tmp_path: Path
) -> None:
    [subject_id] = seed(unit_of_work, 1)
    run_id = request_run(unit_of_work)
    registry = snapshots_of_view(unit_of_work)

    with registry_stub(lambda: registry) as url:
        worker = Sender(
            unit_of_work, file_backend(tmp_path), RegistryClient(url, "ck_test"), None, settings()
        )
        worker.plan_next_run()
        apply(unit_of_work, factories.consent_changed(subject_id, 3, status="withdrawn"))
        drive(worker)

    assert ledger(unit_of_work, run_id) == {subject_id: "skipped_withdrawn"}


def test_no_batch_is_sent_while_the_registry_cannot_be_asked(
    unit_of_work, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seed(unit_of_work, 15)
    run_id = request_run(unit_of_work)
    clock = HandClock(seconds=1000.0)  # the fence's back-off reads it
    down = RegistryClient(f"http://127.0.0.1:{closed_port()}", "ck_test", timeout=2)
    worker = Sender(unit_of_work, file_backend(tmp_path), down, None, settings(), clock=clock)
    worker.plan_next_run()

    assert worker.send_next_batch()
    assert not worker.send_next_batch(), "a closed fence must back off, not spin"

    assert ledger_states(unit_of_work, run_id) == {"planned": 15}
    assert batch_states(unit_of_work, run_id) == {"queued": 2}
    assert emails_per_subject(tmp_path, run_id) == {}
    fenced = [r for r in caplog.records if getattr(r, "event", "") == "batch_fenced"]
    assert len(fenced) == 1 and fenced[0].levelname == "WARNING"

    registry = snapshots_of_view(unit_of_work)
    with registry_stub(lambda: registry) as url:
        worker.fence.registry_client = RegistryClient(url, "ck_test")
        clock.seconds += 60
        drive(worker)
    assert ledger_states(unit_of_work, run_id) == {"sent": 15}
    assert run_row(unit_of_work, run_id).status == "completed"


def test_without_a_registry_key_batches_wait_but_cancelled_runs_are_still_closed(
    unit_of_work, tmp_path: Path
) -> None:
    seed(unit_of_work, 15)
    campaign_id = uuid.uuid4()
    waiting = request_run(unit_of_work)
    cancelled = request_run(unit_of_work, campaign_id=campaign_id)
    worker = Sender(unit_of_work, file_backend(tmp_path), None, None, settings())
    drive(worker)
    apply(unit_of_work, factories.campaign_control(campaign_id, "cancelled", 1))

    drive(worker)

    assert ledger_states(unit_of_work, waiting) == {"planned": 15}
    assert ledger_states(unit_of_work, cancelled) == {"cancelled": 15}
    assert run_row(unit_of_work, cancelled).batches_open == 0
    assert emails_per_subject(tmp_path, waiting) == {}


def test_each_batch_records_when_its_check_began_before_the_registry_is_asked(
    unit_of_work, tmp_path: Path
) -> None:
    """`checked_at` is what guarantee 1 is measured against: any withdrawal answered before
    it must be in the registry's answer, so it must precede the question."""
    seed(unit_of_work, 25)
    run_id = request_run(unit_of_work)
    registry_client = MirrorRegistryClient(unit_of_work)
    asked_at: list[datetime] = []
    registry_client.on_versions = lambda: asked_at.append(datetime.now(UTC))

    drive(Sender(unit_of_work, file_backend(tmp_path), registry_client, None, settings()))

    with unit_of_work() as store:
        checked = list(
            store.session.scalars(
                select(orm.Batch.checked_at)
                .where(orm.Batch.run_id == run_id)
                .order_by(orm.Batch.batch_no)
            )
        )
    assert len(checked) == len(asked_at) == 3
    assert all(c <= a for c, a in zip(checked, asked_at, strict=True))
