"""The in-memory fake and the SQL stores keep the same rules: one scenario, three databases.

The fast service tests (`tests/unit/mailer/`) prove the services' rules on
`tests/fakes/mailer`; they are only worth as much as the fake is faithful. Each scenario here
drives the stores only through the ports the services use and compares what it observes,
on the fake, on SQLite and on PostgreSQL alike.
"""

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from mailer.adapters.repository import transaction
from mailer.domain.events import Contact, PurposeState, Snapshot
from mailer.domain.recipients import SubjectView
from mailer.domain.recipients import apply as apply_fact
from mailer.domain.runs import RunRecord
from mailer.services.apply import apply_message
from plumbing.db import make_engine, session_factory
from schemas.messages import load_message
from tests.fakes.mailer.store import FakeDatabase
from tests.mailer import factories
from tests.mailer.conftest import empty

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
SECOND = timedelta(seconds=1)


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def unit_of_work(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator:
    """A transaction on each kind of store in turn, empty."""
    if request.param == "fake":
        yield FakeDatabase()
        return
    if request.param == "sqlite":
        shutil.copy(sqlite_template, tmp_path / "mailer.db")
        url = f"sqlite:///{tmp_path / 'mailer.db'}"
    else:
        url = request.getfixturevalue("mailer_postgres_url")
        empty(url)
    engine = make_engine(url)
    yield partial(transaction, session_factory(engine))
    engine.dispose()


def ids_in_order(count: int) -> list[uuid.UUID]:
    return sorted(uuid.uuid4() for _ in range(count))


def grant(unit_of_work, ids, purpose="newsletters", status="granted", version=1) -> None:
    with unit_of_work() as store:
        for subject_id in ids:
            body = factories.consent_changed(subject_id, version, purpose, status)
            apply_message(store, load_message(body), NOW)


def run_of(unit_of_work, campaign_id: uuid.UUID | None = None, at: datetime = NOW) -> RunRecord:
    run = RunRecord(
        uuid.uuid4(), campaign_id or uuid.uuid4(), "News", "newsletters", "ky", {}, "planned"
    )
    with unit_of_work() as store:
        assert store.campaigns.add_run(run, at)
    return run


def test_planning_numbers_the_granted_recipients_in_id_order(unit_of_work) -> None:
    granted = ids_in_order(5)
    grant(unit_of_work, granted)
    grant(unit_of_work, ids_in_order(2), status="withdrawn")
    grant(unit_of_work, ids_in_order(2), purpose="promotions")
    first = run_of(unit_of_work)
    second = run_of(unit_of_work, at=NOW + SECOND)

    with unit_of_work() as store:
        assert store.planning.next_planned_run() == first
        assert store.planning.plan(first, 2, NOW) == (5, 3)
        assert store.planning.next_planned_run() == second
        planned = [store.ledger.planned(first.run_id, n) for n in range(4)]
        assert store.ledger.batch_states(first.run_id, 2) == {"planned": 1}
    assert planned == [granted[:2], granted[2:4], granted[4:], []]


def test_claims_leases_takeovers_and_closing_follow_the_same_rules(unit_of_work) -> None:
    ids = ids_in_order(3)
    grant(unit_of_work, ids)
    run = run_of(unit_of_work)
    with unit_of_work() as store:
        store.planning.plan(run, 10, NOW)
    with unit_of_work() as store:
        first = store.batches.claim(NOW, NOW + LEASE)
        assert (first.attempt, first.taken_over, first.run.status) == (1, 0, "running")
        assert store.ledger.mark(run.run_id, ids[:2], "planned", "claimed", NOW) == ids[:2]
        assert store.ledger.mark(run.run_id, ids[:1], "claimed", "sent", NOW) == ids[:1]
        assert store.batches.claim(NOW + LEASE - SECOND, NOW + 2 * LEASE) is None
    with unit_of_work() as store:
        second = store.batches.claim(NOW + LEASE + SECOND, NOW + 3 * LEASE)
        assert (second.attempt, second.taken_over) == (2, 1)
        assert store.batches.hold(first, NOW + 3 * LEASE) is None
        assert store.batches.start_check(first, NOW, NOW + LEASE) is False
        assert store.batches.finish(first, NOW) is None
        assert store.batches.hold(second, NOW + 3 * LEASE) == ("running", None)
        assert store.ledger.mark(run.run_id, ids[2:], "planned", "claimed", NOW) == ids[2:]
        finished = store.batches.finish(second, NOW + LEASE)
        assert store.batches.claim(NOW + 9 * LEASE, NOW + 10 * LEASE) is None
    assert (finished.run_status, finished.counts.as_dict()) == (
        "completed",
        {
            "recipients": 0,
            "sent": 1,
            "skipped_withdrawn": 0,
            "skipped_capped": 0,
            "failed": 0,
            "unknown": 2,
        },
    )
    with unit_of_work() as store:
        [report] = store.reports.due(NOW + LEASE, SECOND)
    assert (report.status, report.counts.recipients, report.counts.unknown) == ("completed", 3, 2)
    assert report.sequence == 2


def test_a_paused_campaigns_batches_wait_and_a_cancelled_ones_are_only_drained(
    unit_of_work,
) -> None:
    grant(unit_of_work, ids_in_order(4))
    campaign_id = uuid.uuid4()
    run = run_of(unit_of_work, campaign_id)
    with unit_of_work() as store:
        store.planning.plan(run, 2, NOW)
        claim = store.batches.claim(NOW, NOW + LEASE)
        assert store.campaigns.set_state(campaign_id, "paused", 2)
        assert not store.campaigns.set_state(campaign_id, "running", 1)
        assert store.batches.hold(claim, NOW + LEASE) == ("running", "paused")
        store.batches.release(claim)
        assert store.batches.claim(NOW, NOW + LEASE) is None
        assert store.campaigns.set_state(campaign_id, "cancelled", 3)
        assert store.campaigns.cancel_unfinished_runs(campaign_id, NOW) == [run.run_id]
        assert store.batches.claim(NOW, NOW + LEASE, sending=False).run.status == "cancelled"
        assert store.campaigns.state(campaign_id) == "cancelled"
    late = run_of(unit_of_work, campaign_id)
    with unit_of_work() as store:
        [due] = [r for r in store.reports.due(NOW, SECOND) if r.run_id == late.run_id]
    assert (due.status, due.reason, due.sequence) == ("cancelled", "campaign cancelled", 1)


def test_reports_are_due_once_an_interval_and_recorded_forward_only(unit_of_work) -> None:
    grant(unit_of_work, ids_in_order(1))
    run = run_of(unit_of_work)
    with unit_of_work() as store:
        store.planning.plan(run, 10, NOW)
        [due] = store.reports.due(NOW, SECOND)
        store.reports.reported(run.run_id, due.sequence, NOW)
        store.reports.reported(run.run_id, 0, NOW + SECOND)
        assert store.reports.due(NOW + SECOND, SECOND) == []
        store.batches.fail_run(run.run_id, "x" * 600, NOW)
        [failed] = store.reports.due(NOW, SECOND)
    assert (failed.status, failed.sequence, len(failed.reason)) == ("failed", 2, 500)


def test_the_queue_of_transactional_emails_claims_oldest_first_and_forgets_addresses(
    unit_of_work,
) -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    with unit_of_work() as store:
        for n, subject_id in enumerate(ids):
            store.confirmations.queue(
                subject_id, subject_id, "a@example.kg", "ky", "u", ["newsletters"], NOW + n * SECOND
            )
        store.confirmations.queue(ids[0], ids[0], "b@example.kg", "ky", "u", [], NOW)
        claimed = store.confirmations.claim(NOW, 2)
        store.confirmations.release([claimed[1].message_id])
        store.confirmations.finish(claimed[0].message_id, "sent", NOW + SECOND)
        again = store.confirmations.claim(NOW + 2 * SECOND, 5)
        assert store.confirmations.expire_claims(NOW + 3 * SECOND, NOW + 3 * SECOND) == 2
        history = store.history.emails_of(ids[0]) + store.history.emails_of(ids[1])
    assert [c.message_id for c in claimed] == ids[:2]
    assert claimed[0].address == "a@example.kg"
    assert [c.message_id for c in again] == ids[1:]
    assert [(e.kind, e.outcome, e.sent_at) for e in history] == [
        ("confirmation", "sent", NOW + SECOND),
        ("confirmation", "unknown", NOW + 3 * SECOND),
    ]


def test_retention_finds_and_deletes_the_same_detail(unit_of_work) -> None:
    grant(unit_of_work, ids_in_order(3))
    old, young = run_of(unit_of_work), run_of(unit_of_work)
    with unit_of_work() as store:
        for run in (old, young):
            store.planning.plan(run, 2, NOW)
        store.batches.fail_run(old.run_id, "broken", NOW)
        detail = store.retention
        assert detail.finished_runs_with_detail(NOW + SECOND) == [old.run_id]
        assert detail.count_deliveries([old.run_id, young.run_id]) == 6
        assert detail.count_processed(NOW + SECOND) == 3
        assert detail.delete_run_detail(old.run_id) == 3
        assert detail.finished_runs_with_detail(NOW + SECOND) == []
        assert detail.delete_processed(NOW + SECOND) == 3
        assert detail.count_confirmations(NOW + SECOND) == 0


def test_the_view_answers_versions_buckets_and_erasures_alike(unit_of_work) -> None:
    kept, erased, suppressed = (uuid.UUID(f"{n:02x}" + uuid.uuid4().hex[2:]) for n in (1, 1, 2))
    grant(unit_of_work, [kept, erased, suppressed], version=3)
    contact = Contact("aigul@example.kg", "ky", None)
    snapshot = Snapshot(
        suppressed,
        3,
        contact=contact,
        consents={"newsletters": PurposeState("granted", 3)},
        suppressed=True,
    )
    with unit_of_work() as store:
        before = store.load(suppressed)
        store.save(before, apply_fact(before, snapshot)[0], NOW)
        before = store.load(erased)
        store.save(before, SubjectView(erased, None, 4), NOW)
    with unit_of_work() as store:
        everyone = [kept, erased, suppressed, uuid.uuid4()]
        assert store.versions(everyone) == {kept: 3, erased: 4, suppressed: 3}
        assert store.purpose_versions(everyone, "newsletters") == {kept: 3, suppressed: 3}
        assert store.suppressed_among(everyone) == {suppressed}
        assert store.erased_among(everyone) == {erased}
        assert sorted(store.bucket("01")) == sorted([kept, erased])
        low, high = uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)
        assert [v.subject_id for v in store.views(low, high)] == sorted([kept, erased, suppressed])
        assert store.record_message(kept, NOW)
        assert not store.record_message(kept, NOW)
