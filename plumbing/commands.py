"""What the `consent` and `mailer` commands share: settings read once, a database held for the
command's run, and the signals that stop a long-running one.

Each part has its own settings and migrations; it hands them in, so neither part imports the
other (tests/unit/test_layering.py).
"""

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

import click
from sqlalchemy import Engine

from plumbing.db import make_engine
from plumbing.logs import configure_logging

S = TypeVar("S")


def settings_from_env(
    read: Callable[[], S], refused: type[Exception], secret_key: Callable[[S], str]
) -> S:
    """The part's settings. A refused setting ends the command with its message (exit 1),
    not a traceback; logging is configured with the secret key at once, so that every line
    after it masks addresses and tokens with that key."""
    try:
        settings = read()
    except refused as error:
        raise click.ClickException(str(error)) from None
    configure_logging(secret_key(settings))
    return settings


@contextmanager
def database(url: str, upgrade: Callable[[str], None] | None = None) -> Iterator[Engine]:
    """An engine on `url`, brought to the newest schema first by `upgrade` when given, its
    connections closed when the block ends."""
    if upgrade is not None:
        upgrade(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def on_stop_signals(stop: Callable[[], None]) -> None:
    """SIGINT and SIGTERM call `stop`, so that loops finish their batch and exit cleanly."""

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)


def stop_flag() -> Callable[[], bool]:
    """A flag raised by SIGINT or SIGTERM, for loops that look at it between batches."""
    stopped = [False]

    def raise_flag() -> None:
        stopped[0] = True

    on_stop_signals(raise_flag)
    return lambda: stopped[0]
