"""An import started from the console, kept so that every registry process can show it
(services/import_jobs.py); the caller owns the transaction."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from consent_service.domain.import_jobs import ImportJob, JobState


class ImportJobStore(Protocol):
    def add_job(self, job: ImportJob) -> None: ...

    def job(self, job_id: uuid.UUID) -> ImportJob | None: ...

    def recent_jobs(self, limit: int) -> list[ImportJob]:
        """The newest first."""
        ...

    def advance(
        self, job_id: uuid.UUID, rows: int, rejections: Iterable[tuple[int, str]], at: datetime
    ) -> None:
        """`rows` more rows read, with the (line, reason codes) of those rejected among them."""
        ...

    def finish(
        self,
        job_id: uuid.UUID,
        state: JobState,
        at: datetime,
        counts: tuple[int, int, int, int] | None,
    ) -> None:
        """The job ended; `counts` (imported, unchanged, rejected, subjects created) if it
        completed."""
        ...

    def rejections(self, job_id: uuid.UUID) -> list[tuple[int, str]]:
        """(line, reason codes) of every rejected row, in file order."""
        ...
