"""What the long-running commands share: settings, sessions and progress on stderr."""

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters import schema
from consent_service.config import ConfigError, Settings
from plumbing.db import make_engine, session_factory
from plumbing.logs import configure_logging

PROGRESS_LINE_SECONDS = 5.0


def settings() -> Settings:
    try:
        current = Settings.from_env()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    configure_logging(current.secret_key)
    return current


@contextmanager
def sessions(current: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the registry's database (an embedded one is created or upgraded first),
    its connections closed when the block ends."""
    if current.is_embedded_sqlite:
        schema.upgrade(current.database_url)
    engine = make_engine(current.database_url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


@contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A callback to advance by n: a progress bar on a terminal, else a line every few seconds.

    A bar drawn into a log file or a pipe is unreadable, and click draws nothing at all
    there, so a command run from cron or CI still says how far it got.
    """
    if sys.stderr.isatty():
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            yield bar.update
        return
    done, last = 0, time.monotonic()

    def advance(n: int) -> None:
        nonlocal done, last
        done += n
        if time.monotonic() - last >= PROGRESS_LINE_SECONDS:
            last = time.monotonic()
            click.echo(f"{label}: {done}/{total}", err=True)

    click.echo(f"{label}: 0/{total}", err=True)
    yield advance
    click.echo(f"{label}: {done}/{total} done", err=True)
