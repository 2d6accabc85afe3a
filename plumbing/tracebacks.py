"""Tracebacks for the logs, with what a database error says about the data withheld.

PostgreSQL quotes the values of a row it refuses ("Failing row contains (…)", "Key
(external_id)=(…) already exists", "invalid input syntax for type uuid: …"), and SQLAlchemy
repeats that message (and, unless an engine hides them, the statement's parameters). Logs
outlive an erasure, so a database error is logged by its kind: its classes, SQLSTATE,
constraint, table, column and statement (which carries placeholders, never values), not its
message. Errors about reaching the database (a connection refused, a file locked) carry no
SQLSTATE and keep their message, which names hosts and files, not people.
"""

import sqlite3
import traceback

import psycopg
from sqlalchemy.exc import StatementError

_DRIVER_ERRORS = (psycopg.Error, sqlite3.Error)
_REACHING_ERRORS = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
)
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def format_exception(error: BaseException) -> str:
    """The traceback Python would print, each database error in it described, not quoted."""
    chain = _chain(error)
    quoting = [link for link, _ in chain if _may_quote_data(link)]
    withheld = {id(link) for link in quoting}
    # What SQLAlchemy wrapped may be a plain ValueError quoting a parameter it could not bind.
    withheld |= {id(link.orig) for link in quoting if isinstance(link, StatementError)}
    blocks = []
    for link, connector in reversed(chain):
        block = ""
        if link.__traceback__ is not None:
            frames = "".join(traceback.format_tb(link.__traceback__))
            block = f"Traceback (most recent call last):\n{frames}"
        if id(link) in withheld:
            block += _described(link)
        else:
            block += "".join(traceback.format_exception_only(link))
        blocks.append(block + connector)
    return "".join(blocks).rstrip("\n")


def _chain(error: BaseException) -> list[tuple[BaseException, str]]:
    """The error and those it came from, newest first, each with the sentence printed after it."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    connector = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, connector))
        if current.__cause__ is not None:
            current, connector = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, connector = current.__context__, _CONTEXT
        else:
            current = None
    return chain


def _may_quote_data(error: BaseException) -> bool:
    if isinstance(error, StatementError):
        return not _reaching_error(error.orig)
    return isinstance(error, _DRIVER_ERRORS) and not _reaching_error(error)


def _reaching_error(error: BaseException | None) -> bool:
    return isinstance(error, _REACHING_ERRORS) and getattr(error, "sqlstate", None) is None


def _described(error: BaseException) -> str:
    source = error.orig if isinstance(error, StatementError) else error
    diagnosis = getattr(source, "diag", None)
    facts = {
        "from": _name(type(source)) if source is not error else None,
        "sqlstate": getattr(source, "sqlstate", None) or getattr(source, "sqlite_errorname", None),
        "constraint": getattr(diagnosis, "constraint_name", None),
        "table": getattr(diagnosis, "table_name", None),
        "column": getattr(diagnosis, "column_name", None),
        "statement": getattr(error, "statement", None),
    }
    known = "".join(f"; {name}: {value}" for name, value in facts.items() if value)
    return f"{_name(type(error))}: [message withheld: it may quote personal data]{known}\n"


def _name(kind: type) -> str:
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"
