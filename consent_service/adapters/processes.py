"""Process-level plumbing for the long-running commands: the relay's lock, internal keys."""

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters.repository import SqlRepository
from consent_service.config import Settings
from consent_service.services import api_keys
from plumbing.commands import database
from plumbing.db import session_factory
from plumbing.files import private_directory

_held_locks: list[int] = []


def single_relay_lock(instance_dir: Path) -> None:
    """On SQLite only one relay may run: a second one exits instead of contending."""
    private_directory(instance_dir)
    fd = os.open(instance_dir / "relay.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SystemExit("another relay is running on this instance (SQLite allows one)") from None
    _held_locks.append(fd)


def internal_key(settings: Settings, name: str, scopes: list[str]) -> str:
    """A key for the service's own processes, kept in the instance dir and reused.

    A kept key without every wanted scope (one made before a scope was introduced) is revoked
    and replaced, so an upgraded instance needs no manual step.
    """
    key_file = private_directory(settings.instance_dir) / f"{name.replace(' ', '_')}.key"
    with database(settings.database_url) as engine:
        key = _kept_or_new_key(session_factory(engine), key_file, name, scopes)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _kept_or_new_key(
    sessions: sessionmaker[Session], key_file: Path, name: str, scopes: list[str]
) -> str:
    outdated = None
    if key_file.exists():
        key = key_file.read_text().strip()
        with sessions() as session:
            found = api_keys.authenticate(SqlRepository(session), key)
        if found is not None and set(scopes) <= found.scopes:
            return key
        outdated = found
    with sessions() as session, session.begin():
        registry, now = SqlRepository(session), datetime.now(UTC)
        if outdated is not None:
            api_keys.revoke_key(registry, outdated.key_id, now)
        return api_keys.create_key(registry, name, scopes, now)
