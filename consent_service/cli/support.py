"""What the `consent` commands share: settings, the registry's database, progress on stderr,
and addresses fit to print. What they share with the `mailer` command is in
plumbing/commands.py."""

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters import schema
from consent_service.config import ConfigError, Settings
from consent_service.domain.retention import RetentionRules
from plumbing.commands import database, settings_from_env
from plumbing.db import session_factory

PROGRESS_LINE_SECONDS = 5.0


def settings() -> Settings:
    return settings_from_env(Settings.from_env, ConfigError, lambda current: current.secret_key)


def upgrade_embedded(current: Settings) -> None:
    """Create or upgrade an embedded SQLite database, which nobody else would migrate; a
    server's database is migrated by `consent db upgrade`, as a step of the deployment."""
    if current.is_embedded_sqlite:
        schema.upgrade(current.database_url)


@contextmanager
def registry_sessions(current: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on the registry's database (an embedded one is created or upgraded first),
    its connections closed when the block ends."""
    upgrade_embedded(current)
    with database(current.database_url) as engine:
        yield session_factory(engine)


def retention_rules(current: Settings) -> RetentionRules:
    return RetentionRules(pending=current.retention_pending, inactive=current.retention_inactive)


def safe_url(url: str) -> str:
    """A URL fit for a terminal or a log: the password replaced by stars."""
    return make_url(url).render_as_string(hide_password=True) if "://" in url else url


def broker_name(current: Settings) -> str:
    if current.broker_url:
        return safe_url(current.broker_url)
    return f"embedded, under {current.instance_dir / 'broker'}"


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
