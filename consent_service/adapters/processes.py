"""Process-level plumbing for the long-running commands: signals, locks, internal keys."""

import fcntl
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker

from consent_service.adapters.repository import SqlRepository
from consent_service.config import Settings
from consent_service.services import api_keys
from plumbing.db import make_engine, session_factory
from plumbing.files import private_directory

_held_locks: list[int] = []


def stop_flag() -> Callable[[], bool]:
    """A flag raised by SIGINT or SIGTERM, so loops finish their batch and exit cleanly."""
    stopped = [False]

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopped[0] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return lambda: stopped[0]


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
    engine = make_engine(settings.database_url)
    try:
        key = _kept_or_new_key(session_factory(engine), key_file, name, scopes)
    finally:
        engine.dispose()
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
