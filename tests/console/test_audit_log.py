"""The console audit log is append-only: the code has no way to change or remove an entry, and
the database refuses an UPDATE or a DELETE written by hand (a trigger, migration 0008)."""

import inspect

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from consent_service.adapters import staff_store
from tests.console.conftest import signed_in


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE console_audit SET action = 'nothing happened'",
        "UPDATE console_audit SET client_address = NULL "
        "WHERE id = (SELECT min(id) FROM console_audit)",
        "DELETE FROM console_audit",
        "DELETE FROM console_audit WHERE id = (SELECT max(id) FROM console_audit)",
    ],
)
def test_the_database_refuses_to_change_or_remove_an_entry(app, browser, person, statement) -> None:
    signed_in(browser(), person("admin"))  # a sign-in is recorded
    engine = app.extensions["consent.engine"]
    with engine.connect() as connection:
        before = connection.execute(text("SELECT * FROM console_audit ORDER BY id")).all()
    assert before

    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))

    with engine.connect() as connection:
        assert connection.execute(text("SELECT * FROM console_audit ORDER BY id")).all() == before


def test_the_store_writes_and_reads_the_log_and_nothing_else() -> None:
    source = inspect.getsource(staff_store)
    audit_methods = {"record", "audit_entries", "audit_entries_before", "audit_count"}
    uses_audit_table = {
        name
        for name, member in inspect.getmembers(staff_store.SqlStaffStore, inspect.isfunction)
        if "_A." in inspect.getsource(member) or "_A)" in inspect.getsource(member)
    }

    assert uses_audit_table == audit_methods
    assert "update(_A)" not in source and "delete(_A)" not in source
