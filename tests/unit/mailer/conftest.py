"""The mailer's fast tests run on `tests/fakes/mailer`: no database, no broker, no network.

Any attempt at one fails the test, so a test that quietly needs a server cannot slip in.
"""

import socket

import pytest
import sqlalchemy

from plumbing import db


class NotInFastTests(AssertionError):
    """A fast test reached for a database, a broker or the network."""


@pytest.fixture(autouse=True)
def no_database_and_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise NotInFastTests("the mailer's fast tests use the fakes of tests/fakes/mailer")

    for module in (sqlalchemy, db):
        monkeypatch.setattr(module, "create_engine", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
