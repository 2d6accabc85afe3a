"""One transaction per request, for every face: a read, or work committed only if it returns.

Each opens a session from the app's factory (`consent.sessions`) and hands the work a
`SqlRepository` on it; the actor's pending confirmation runs first, in the same transaction
(`actor.confirm_actor`).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import current_app
from sqlalchemy.exc import IntegrityError, OperationalError

from consent_service.adapters.report_store import snapshot_options
from consent_service.adapters.repository import SqlRepository
from consent_service.faces.actor import confirm_actor, unconfirmed

T = TypeVar("T")


@contextmanager
def read_only() -> Iterator[SqlRepository]:
    """A session for reading. It ends with COMMIT: a ROLLBACK makes psycopg drop its prepared
    statements, and PostgreSQL would then parse and plan every later statement afresh."""
    with current_app.extensions["consent.sessions"]() as session, session.begin():
        registry = SqlRepository(session)
        confirm_actor(registry)
        yield registry


@contextmanager
def snapshot() -> Iterator[SqlRepository]:
    """A read-only session on one snapshot of the database, for a read that may take long
    (a streamed report) and must be consistent from its first row to its last.

    Unlike `read_only`, it takes no write lock on SQLite (adapters/report_store.py)."""
    with current_app.extensions["consent.sessions"]() as session, session.begin():
        dialect = session.get_bind().dialect.name
        session.connection(execution_options=snapshot_options(dialect))
        registry = SqlRepository(session)
        confirm_actor(registry)
        yield registry


def in_transaction(work: Callable[[SqlRepository], T], attempts: int = 3) -> T:
    """Run work in one transaction, committed only if it returns.

    Two first sign-ups with one address, or two retries of one Idempotency-Key, race on a
    unique index; the loser rolls back entirely and runs again, then finds the winner's row.
    """
    sessions = current_app.extensions["consent.sessions"]
    for attempt in range(attempts):
        try:
            with sessions() as session, session.begin():
                registry = SqlRepository(session)
                confirm_actor(registry)
                return work(registry)
        except (IntegrityError, OperationalError) as error:
            if attempt == attempts - 1 or not _retryable(error):
                raise
    raise AssertionError("unreachable")


def confirm_actor_alone() -> None:
    """An actor the request did not confirm (it opened no transaction, or was refused before
    it did) is confirmed in a transaction of its own before the answer leaves."""
    if unconfirmed():
        with read_only():
            pass


def _retryable(error: Exception) -> bool:
    if isinstance(error, IntegrityError):
        return True
    text = str(error).lower()
    return "deadlock" in text or "could not serialize" in text or "database is locked" in text
