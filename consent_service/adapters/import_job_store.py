"""Imports started from the console in the registry's database (migration 0016): the
`ImportJobStore` port on a repository's transaction, which the caller owns."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.domain.import_jobs import ImportJob, JobState

_J = orm.ImportJob.__table__
_R = orm.ImportRejection.__table__
_FIELDS = list(ImportJob.__dataclass_fields__)


def _job(row: Any) -> ImportJob:
    values = dict(row._mapping)
    return ImportJob(**values | {"state": JobState(values["state"])})


class SqlImportJobStore:
    def __init__(self, registry: SqlRepository) -> None:
        self._connection = registry.connection

    def add_job(self, job: ImportJob) -> None:
        values = {name: getattr(job, name) for name in _FIELDS}
        self._connection.execute(insert(_J).values(values | {"state": job.state.value}))

    def job(self, job_id: uuid.UUID) -> ImportJob | None:
        row = self._connection.execute(select(_J).where(_J.c.id == job_id)).first()
        return _job(row) if row else None

    def recent_jobs(self, limit: int) -> list[ImportJob]:
        query = select(_J).order_by(_J.c.started_at.desc(), _J.c.id).limit(limit)
        return [_job(row) for row in self._connection.execute(query)]

    def advance(
        self, job_id: uuid.UUID, rows: int, rejections: Iterable[tuple[int, str]], at: datetime
    ) -> None:
        found = [{"job_id": job_id, "line": line, "reasons": codes} for line, codes in rejections]
        if found:
            self._connection.execute(insert(_R), found)
        self._connection.execute(
            update(_J)
            .where(_J.c.id == job_id)
            .values(
                rows_read=_J.c.rows_read + rows,
                rejected=_J.c.rejected + len(found),
                updated_at=at,
            )
        )

    def finish(
        self,
        job_id: uuid.UUID,
        state: JobState,
        at: datetime,
        counts: tuple[int, int, int, int] | None,
    ) -> None:
        values: dict[str, Any] = {"state": state.value, "finished_at": at, "updated_at": at}
        if counts is not None:
            imported, unchanged, rejected, created = counts
            values |= {
                "imported": imported,
                "unchanged": unchanged,
                "rejected": rejected,
                "subjects_created": created,
            }
        self._connection.execute(update(_J).where(_J.c.id == job_id).values(values))

    def rejections(self, job_id: uuid.UUID) -> list[tuple[int, str]]:
        query = select(_R.c.line, _R.c.reasons).where(_R.c.job_id == job_id).order_by(_R.c.line)
        return [(row.line, row.reasons) for row in self._connection.execute(query)]
