"""A database error is logged by its kind, never with the values of the row it refused."""

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from plumbing.db import make_engine
from plumbing.logs import JsonFormatter

NAMES = st.from_regex(r"[А-ЯA-Z][а-яёa-z]{2,15} [А-ЯA-Z][а-яёa-z]{2,15}", fullmatch=True)  # noqa: RUF001
EXTERNAL_IDS = st.from_regex(r"[a-z]{2,5}-[0-9]{5,12}", fullmatch=True)


@pytest.fixture(scope="module")
def people() -> Engine:
    """A table whose trigger refuses any external id longer than four characters."""
    engine = make_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE people (name TEXT, external_id TEXT)"))
        conn.execute(
            text(
                "CREATE TRIGGER people_refused BEFORE INSERT ON people "
                "WHEN length(NEW.external_id) > 4 BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )
    return engine


def _logged_error(error: BaseException) -> str:
    """The `exception` of the JSON line `log.exception` writes for the error."""
    exc_info = (type(error), error, error.__traceback__)
    record = logging.makeLogRecord(
        {"name": "test", "levelno": logging.ERROR, "msg": "unhandled error", "exc_info": exc_info}
    )
    return json.loads(JsonFormatter().format(record))["exception"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES, external_id=EXTERNAL_IDS)
def test_a_refused_insert_logs_neither_name_nor_external_id(
    people: Engine, name: str, external_id: str
) -> None:
    with people.connect() as conn, pytest.raises(IntegrityError) as refused:
        conn.execute(
            text("INSERT INTO people (name, external_id) VALUES (:name, :external_id)"),
            {"name": name, "external_id": external_id},
        )
    logged = _logged_error(refused.value)
    assert name not in logged
    assert external_id not in logged
    assert "sqlalchemy.exc.IntegrityError" in logged
    assert "INSERT INTO people (name, external_id) VALUES (?, ?)" in logged


def test_an_unreachable_database_keeps_its_message() -> None:
    """Refused connections quote hosts, not people: the operator needs to see them."""
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    with pytest.raises(OperationalError) as refused:
        engine.connect()
    logged = _logged_error(refused.value)
    assert "Connection refused" in logged
    assert "withheld" not in logged
