"""The running consent counts in SQL (SQLite and PostgreSQL): equal to a fresh count of the
rows after any history, and filled from the rows by migration 0011."""

import importlib.util
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select, text

from consent_service.adapters import orm, schema
from consent_service.adapters.tally_store import TallyStore
from consent_service.adapters.unit_of_work import SqlUnitOfWork
from tests.tally_script import Counts, counted_from_ledger, histories, play

HISTORY = [
    ("form", 0, "newsletters", True, 0),
    ("form", 1, "newsletters", True, 1),
    ("form", 1, "promotions", True, 2),
    ("confirm", 1, 7),
    ("withdraw", 0, "newsletters", 8),
    ("import", [(2, "surveys", "granted"), (0, "surveys", "withdrawn")], 30),
    ("erase", 2, 40),
    ("form", 3, "surveys", False, 50),
]
"""Sign-ups and withdrawals across Bishkek's midnight, an import, an erasure, a refusal."""

WRITTEN = (
    "consent_days",
    "consent_counts",
    "consent_ledger",
    "outbox",
    "consents",
    "subjects",
    "suppressions",
    "former_addresses",
    "rights_requests",
    "link_emails",
    "idempotency_keys",
)


def empty(uow: SqlUnitOfWork) -> None:
    with uow.transaction() as registry:
        for table in WRITTEN:
            registry.connection.execute(text(f"DELETE FROM {table}"))


def counted(uow: SqlUnitOfWork) -> Counts:
    consents, subjects = orm.Consent.__table__, orm.Subject.__table__
    with uow.reading() as registry:
        rows = registry.connection.execute(
            select(consents.c.purpose, consents.c.status, func.count()).group_by(
                consents.c.purpose, consents.c.status
            )
        )
        per_status = {(purpose, status): n for purpose, status, n in rows}
        live = registry.connection.execute(
            select(func.count()).select_from(subjects).where(subjects.c.erased_at.is_(None))
        ).scalar_one()
        entries = list(registry.audit.ledger_entries())
    return Counts(per_status, live, counted_from_ledger(entries))


def tallied(uow: SqlUnitOfWork) -> Counts:
    with uow.reading() as registry:
        store = TallyStore(registry.connection)
        per_status = {
            (purpose, status): n
            for purpose, held in store.people_per_purpose().items()
            for status, n in held.items()
            if n
        }
        days = store.changes_per_day(date.min)
        return Counts(per_status, store.people(), {d: n for d, n in days.items() if n != (0, 0)})


def test_the_running_counts_equal_a_fresh_count_after_any_history(app) -> None:
    uow = SqlUnitOfWork(app.extensions["consent.sessions"])

    @settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(histories)
    def check(history) -> None:
        empty(uow)
        play(uow, history)
        assert tallied(uow) == counted(uow)

    check()


def migration_0011():
    path = Path(schema.MIGRATIONS) / "versions" / "0011_consent_tallies.py"
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_fills_the_counts_from_the_consents_and_the_ledger(app) -> None:
    uow = SqlUnitOfWork(app.extensions["consent.sessions"])
    play(uow, HISTORY)
    expected = counted(uow)
    fill = migration_0011()

    with uow.transaction() as registry:
        connection = registry.connection
        connection.execute(text("DELETE FROM consent_counts"))
        connection.execute(text("DELETE FROM consent_days"))
        for statement in fill.FILL_COUNTS:
            connection.execute(text(statement))
        day = fill.LOCAL_DAY[connection.dialect.name]
        connection.execute(text(fill.FILL_DAYS.format(day=day)))

    assert expected.people == 3
    assert tallied(uow) == expected
