"""Transactions for the jobs that are no request (the relay, imports, the purge, transfers):
the services' `UnitOfWork` port over a session factory.

A request's transaction is opened by its face instead (api/http.py), which builds the
`SqlRepository` from its session the same way.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters.repository import SqlRepository
from consent_service.services.ports import WriteConflict
from plumbing.db import scrub_sqlite


class SqlUnitOfWork:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    @contextmanager
    def transaction(self) -> Iterator[SqlRepository]:
        try:
            with self.sessions() as session, session.begin():
                yield SqlRepository(session)
        except IntegrityError as error:
            raise WriteConflict(str(error.orig)) from error

    @contextmanager
    def reading(self) -> Iterator[SqlRepository]:
        with self.sessions() as session:
            yield SqlRepository(session)

    def forget_deleted(self) -> None:
        """SQLite's write-ahead log keeps earlier images of the pages that held what was
        deleted; it is folded into the file and truncated (PostgreSQL: nothing to do)."""
        scrub_sqlite(self.sessions.kw["bind"])
