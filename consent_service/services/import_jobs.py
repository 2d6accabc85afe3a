"""Imports started from the console: a job recorded at once, run in the background, its
progress written after every batch so that any registry process can show it (decision 0046).

The rows are applied by the same `Importer` as `consent import`'s, so an upload and the
command give the same counts for the same file, and importing a file again changes nothing.
A rejected row is kept as its line and the codes of its reasons only (domain/import_jobs.py).
"""

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from consent_service.domain.import_jobs import ImportJob, JobState, reason_codes
from consent_service.services.importing import ImportCounts, Importer, RawRow
from consent_service.services.ports import UnitOfWork
from consent_service.services.ports.import_jobs import ImportJobStore

log = logging.getLogger(__name__)

RECENT = 20
"""How many imports the console lists."""

Stores = Callable[[Any], ImportJobStore]
"""The job store on a transaction's repository."""


def new_job(
    started_by: uuid.UUID | None, file_name: str, rows_total: int, now: datetime
) -> ImportJob:
    return ImportJob(
        id=uuid.uuid4(),
        started_by=started_by,
        file_name=file_name,
        started_at=now,
        updated_at=now,
        finished_at=None,
        rows_total=rows_total,
        rows_read=0,
        imported=0,
        unchanged=0,
        rejected=0,
        subjects_created=0,
        state=JobState.RUNNING,
    )


def run(
    uow: UnitOfWork,
    stores: Stores,
    importer: Importer,
    job_id: uuid.UUID,
    rows: Iterable[tuple[int, RawRow]],
    clock: Callable[[], datetime],
) -> ImportCounts | None:
    """Import the rows for the job; after each batch its rows read and rejections are
    written, and at the end its counts and state (`failed` if something broke: the batches
    before stay applied, and a new upload of the same file completes the rest)."""
    pending: list[tuple[int, str]] = []

    def rejected(line: int, _row: RawRow, reason: str) -> None:
        pending.append((line, reason_codes(reason)))

    def progressed(count: int) -> None:
        with uow.transaction() as registry:
            stores(registry).advance(job_id, count, pending, clock())
        pending.clear()

    try:
        counts = importer.run(rows, rejected, progressed)
    except Exception as error:  # noqa: BLE001 - whatever broke, the job must say it ended
        log.error("import job %s failed: %s", job_id, type(error).__name__)
        _finish(uow, stores, job_id, JobState.FAILED, clock(), None)
        return None
    numbers = (counts.imported, counts.unchanged, counts.rejected, counts.subjects_created)
    _finish(uow, stores, job_id, JobState.DONE, clock(), numbers)
    log.info(
        "import job %s done: %s imported, %s unchanged, %s rejected",
        job_id,
        counts.imported,
        counts.unchanged,
        counts.rejected,
    )
    return counts


def _finish(
    uow: UnitOfWork,
    stores: Stores,
    job_id: uuid.UUID,
    state: JobState,
    at: datetime,
    counts: tuple[int, int, int, int] | None,
) -> None:
    try:
        with uow.transaction() as registry:
            stores(registry).finish(job_id, state, at, counts)
    except Exception as error:  # noqa: BLE001 - the database may be what broke
        # The job stays `running` and is shown interrupted once it stops moving.
        log.error("import job %s could not be closed: %s", job_id, type(error).__name__)
