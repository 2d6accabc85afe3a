"""The mailer's retention: old send-ledger detail goes, run counts stay, replays stay harmless."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from mailer.adapters import orm
from mailer.services import retention
from mailer.services.retention import PurgeCounts, SendLedgerRetention, start_daily_purge
from mailer.services.sending.sender import Sender
from tests.mailer import factories
from tests.mailer.brokers import wait_until
from tests.mailer.runs import (
    MirrorRegistryClient,
    apply,
    counts,
    drive,
    file_backend,
    request_run,
    run_row,
    seed,
    settings,
)
from tests.mailer.test_work_command import mailer_work

DAY = timedelta(days=1)
YEAR = SendLedgerRetention(kept=365 * DAY)


def finished_run(unit_of_work, instance: Path, recipients: int = 12) -> orm.Run:
    """A campaign run sent to the end (batches of 10) through the real sender."""
    seed(unit_of_work, recipients)
    run_id = request_run(unit_of_work)
    sending = settings()
    sender = Sender(
        unit_of_work,
        file_backend(instance, sending),
        MirrorRegistryClient(unit_of_work),
        None,
        sending,
    )
    drive(sender)
    run = run_row(unit_of_work, run_id)
    assert run.status == "completed"
    return run


def rows(unit_of_work, table, run_id: uuid.UUID | None = None) -> int:
    query = select(func.count()).select_from(table)
    if run_id is not None:
        query = query.where(table.run_id == run_id)
    with unit_of_work() as store:
        return store.session.execute(query).scalar_one()


def test_the_detail_of_a_run_finished_over_a_year_ago_goes_and_its_counts_stay(
    unit_of_work, tmp_path
) -> None:
    run = finished_run(unit_of_work, tmp_path / "instance")
    before = counts(run)
    assert rows(unit_of_work, orm.Delivery, run.run_id) == 12
    retention.purge(unit_of_work, YEAR, run.finished_at + 364 * DAY)
    assert rows(unit_of_work, orm.Delivery, run.run_id) == 12
    done = retention.purge(unit_of_work, YEAR, run.finished_at + 366 * DAY)
    assert (done.runs, done.deliveries) == (1, 12)
    assert rows(unit_of_work, orm.Delivery, run.run_id) == 0
    assert rows(unit_of_work, orm.Batch, run.run_id) == 0
    kept = run_row(unit_of_work, run.run_id)
    assert (counts(kept), kept.status) == (before, "completed")


def test_a_run_not_finished_keeps_its_detail_however_old(unit_of_work) -> None:
    seed(unit_of_work, 3)
    run_id = request_run(unit_of_work)
    done = retention.purge(unit_of_work, YEAR, datetime.now(UTC) + 1000 * DAY)
    assert done.runs == 0
    assert run_row(unit_of_work, run_id).status == "planned"


def test_deliveries_the_frequency_cap_still_counts_are_kept(unit_of_work, tmp_path) -> None:
    run = finished_run(unit_of_work, tmp_path / "instance", recipients=3)
    long_cap = SendLedgerRetention(kept=365 * DAY, cap_period=400 * DAY)
    assert retention.purge(unit_of_work, long_cap, run.finished_at + 366 * DAY).deliveries == 0
    assert rows(unit_of_work, orm.Delivery, run.run_id) == 3


def test_finished_confirmation_emails_and_old_message_ids_go(unit_of_work) -> None:
    subject_id = uuid.uuid4()
    for version in (1, 2):
        apply(unit_of_work, factories.confirmation_requested(subject_id, version))
    now = datetime.now(UTC)
    with unit_of_work() as store:
        first = store.session.scalars(select(orm.Confirmation.message_id)).first()
        store.session.execute(
            update(orm.Confirmation)
            .where(orm.Confirmation.message_id == first)
            .values(state="sent", finished_at=now, address=None)
        )
    assert rows(unit_of_work, orm.ProcessedMessage) == 2
    done = retention.purge(unit_of_work, YEAR, now + 366 * DAY)
    assert (done.confirmations, done.processed_messages) == (1, 2)
    with unit_of_work() as store:
        assert store.session.scalars(select(orm.Confirmation.state)).all() == ["queued"]


def test_a_message_redelivered_after_its_id_was_purged_changes_nothing(unit_of_work) -> None:
    subject_id = uuid.uuid4()
    granted = factories.consent_changed(subject_id, 1, status="granted")
    apply(unit_of_work, granted)
    apply(unit_of_work, factories.consent_changed(subject_id, 2, status="withdrawn"))
    retention.purge(unit_of_work, YEAR, datetime.now(UTC) + 366 * DAY)
    assert rows(unit_of_work, orm.ProcessedMessage) == 0
    assert apply(unit_of_work, granted) == "stale"
    with unit_of_work() as store:
        view = store.load(subject_id)
    assert view.recipient.consents["newsletters"].status == "withdrawn"


def test_a_run_command_redelivered_after_its_id_was_purged_changes_nothing(
    unit_of_work, tmp_path
) -> None:
    campaign_id = uuid.uuid4()
    requested = factories.run_requested(campaign_id=campaign_id)
    paused = factories.campaign_control(campaign_id, "paused", 1)
    resumed = factories.campaign_control(campaign_id, "running", 2)
    for body in (requested, paused, resumed):
        assert apply(unit_of_work, body) == "applied"
    retention.purge(unit_of_work, YEAR, datetime.now(UTC) + 366 * DAY)
    assert apply(unit_of_work, requested) == "duplicate"
    assert apply(unit_of_work, paused) == "stale"
    with unit_of_work() as store:
        assert store.campaigns.state(campaign_id) == "running"


def test_a_plan_counts_what_a_purge_deletes_and_changes_nothing(unit_of_work, tmp_path) -> None:
    run = finished_run(unit_of_work, tmp_path / "instance", recipients=5)
    later = run.finished_at + 366 * DAY
    planned = retention.plan(unit_of_work, YEAR, later)
    assert planned.runs == 1 and planned.deliveries == 5
    assert rows(unit_of_work, orm.Delivery, run.run_id) == 5
    assert retention.purge(unit_of_work, YEAR, later) == planned


def test_the_daily_purge_runs_at_start_and_again_each_day_until_stopping(
    monkeypatch, sqlite_unit_of_work
) -> None:
    calls, sleeps = [], iter([False, False, True])
    monkeypatch.setattr(retention, "purge", lambda *args: calls.append(args) or PurgeCounts())
    asked = []

    def sleep(seconds: float) -> bool:
        asked.append(seconds)
        return next(sleeps)

    start_daily_purge(sqlite_unit_of_work, YEAR, sleep).join(timeout=10)
    assert len(calls) == 3
    assert asked == [86400.0] * 3


def test_mailer_work_purges_the_send_ledger_at_start(tmp_path: Path) -> None:
    with mailer_work(tmp_path) as worker:
        done = wait_until(
            lambda: [line for line in worker.lines() if line.get("event") == "purge_done"]
        )
        worker.stop()
    assert done[0]["deliveries"] == 0
