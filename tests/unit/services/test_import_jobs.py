"""A console import's job through the service, on in-memory fakes: progress after every batch,
rejections kept as line and reason codes only, the counts at the end, `failed` when the import
breaks, and `interrupted` shown for a job whose process stopped."""

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from consent_service.domain.import_jobs import ImportJob, JobState, reason_codes
from consent_service.domain.import_rows import Reasons, Rejection
from consent_service.services import import_jobs
from consent_service.services.importing import Importer
from tests.unit.services.conftest import NOW, POLICY, SECRET


class FakeImportJobStore:
    """The jobs and their rejections in dictionaries, as the SQL store keeps them."""

    def __init__(self) -> None:
        self.jobs: dict[uuid.UUID, ImportJob] = {}
        self.rejected: dict[uuid.UUID, list[tuple[int, str]]] = {}
        self.progress: list[int] = []

    def add_job(self, job: ImportJob) -> None:
        self.jobs[job.id] = job
        self.rejected[job.id] = []

    def job(self, job_id: uuid.UUID) -> ImportJob | None:
        return self.jobs.get(job_id)

    def recent_jobs(self, limit: int) -> list[ImportJob]:
        return sorted(self.jobs.values(), key=lambda job: job.started_at, reverse=True)[:limit]

    def advance(
        self, job_id: uuid.UUID, rows: int, rejections: Iterable[tuple[int, str]], at: datetime
    ) -> None:
        found = list(rejections)
        self.rejected[job_id] += found
        job = self.jobs[job_id]
        self.jobs[job_id] = replace(
            job, rows_read=job.rows_read + rows, rejected=job.rejected + len(found), updated_at=at
        )
        self.progress.append(self.jobs[job_id].rows_read)

    def finish(
        self,
        job_id: uuid.UUID,
        state: JobState,
        at: datetime,
        counts: tuple[int, int, int, int] | None,
    ) -> None:
        job = replace(self.jobs[job_id], state=state, finished_at=at, updated_at=at)
        if counts is not None:
            imported, unchanged, rejected, created = counts
            job = replace(
                job,
                imported=imported,
                unchanged=unchanged,
                rejected=rejected,
                subjects_created=created,
            )
        self.jobs[job_id] = job

    def rejections(self, job_id: uuid.UUID) -> list[tuple[int, str]]:
        return sorted(self.rejected[job_id])


def row(**changes: str) -> dict[str, str | None]:
    fields = {
        "email": "aigul@example.kg",
        "purpose": "newsletters",
        "status": "granted",
        "consented_at": "2026-11-05T10:00:00Z",
        "source": "checkout",
        "policy_version": POLICY,
    }
    return dict(fields | changes)


ROWS = [
    row(),
    row(email="secret-person@example", ip="203.0.113.999"),
    row(),
    row(email="bakyt@example.kg", purpose="surveys", status="withdrawn"),
    row(status="perhaps; card_number: 4111"),
]


def start(store: FakeImportJobStore, total: int) -> ImportJob:
    job = import_jobs.new_job(uuid.uuid4(), "people.csv", total, NOW)
    store.add_job(job)
    return job


def importer(uow, batch_size: int = 2) -> Importer:
    return Importer(
        uow, actor="console:x", default_locale="ky", secret_keys=(SECRET,), batch_size=batch_size
    )


def test_the_job_moves_after_every_batch_and_ends_with_the_counts(uow) -> None:
    store = FakeImportJobStore()
    job = start(store, len(ROWS))

    counts = import_jobs.run(
        uow, lambda _registry: store, importer(uow), job.id, enumerate(ROWS, start=2), lambda: NOW
    )

    assert counts is not None
    assert store.progress == [2, 4, 5]
    done = store.jobs[job.id]
    assert done.state is JobState.DONE and done.finished_at == NOW
    assert (done.imported, done.unchanged, done.rejected, done.subjects_created) == (2, 1, 2, 2)
    assert store.rejections(job.id) == [(3, "invalid_email; invalid_ip"), (6, "invalid_status")]


def test_the_rejections_keep_nothing_of_the_row(uow) -> None:
    store = FakeImportJobStore()
    job = start(store, len(ROWS))

    import_jobs.run(
        uow, lambda _registry: store, importer(uow), job.id, enumerate(ROWS, start=2), lambda: NOW
    )

    kept = " ".join(reasons for _line, reasons in store.rejections(job.id))
    for quoted in ("secret-person", "203.0.113", "perhaps", "4111", "card_number"):
        assert quoted not in kept


def test_a_failing_import_leaves_the_job_failed_with_what_was_done(uow) -> None:
    store = FakeImportJobStore()
    job = start(store, 4)

    def rows():
        yield 2, row()
        yield 3, row(email="bakyt@example.kg")
        raise OSError("the disk went away")

    counts = import_jobs.run(
        uow, lambda _registry: store, importer(uow), job.id, rows(), lambda: NOW
    )

    assert counts is None
    failed = store.jobs[job.id]
    assert (failed.state, failed.rows_read, failed.finished_at) == (JobState.FAILED, 2, NOW)


def test_a_running_job_that_stopped_moving_is_shown_interrupted() -> None:
    job = import_jobs.new_job(None, "people.csv", 10, NOW)

    assert job.shown_state(NOW + timedelta(minutes=9)) is JobState.RUNNING
    assert job.shown_state(NOW + timedelta(minutes=11)) is JobState.INTERRUPTED
    assert replace(job, state=JobState.DONE).shown_state(NOW + timedelta(days=1)) is JobState.DONE


def test_the_codes_come_from_the_rejections_never_from_their_words() -> None:
    quoting = Rejection("invalid_status", "not 'a; card_number: b'")
    reasons = Reasons([Rejection("invalid_email", "'x' is no address."), quoting])

    assert reason_codes(reasons) == "invalid_email; invalid_status"
    assert reason_codes(Reasons([Rejection("made_up", "?")])) == "rejected"
    assert reason_codes("invalid_email: a plain string names no code") == "rejected"
