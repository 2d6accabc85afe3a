"""Nothing the service writes under its instance directory is readable by another account.

The embedded databases, the broker's messages and the `.eml` outbox hold addresses and links
that act for people; the secret signs those links. Each directory is created 0700 and each
file 0600, whatever the umask (a usual 022 would give 0755 and 0644).
"""

import json
import os
import signal
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from kombu import Exchange, Queue

from mailer.adapters.email.file import FileBackend
from plumbing.broker.connection import broker_connection
from plumbing.db import make_engine
from tests.email.factories import SENDER, one_group
from tests.processes import free_port, wait_for_http
from tests.stack import wait_until

USUAL_UMASK = 0o022
KEY_ARGS = ("keys", "create", "--name", "shop", "--scope", "consents:write")


@pytest.fixture
def usual_umask() -> Iterator[None]:
    previous = os.umask(USUAL_UMASK)
    yield
    os.umask(previous)


def exposed(root: Path) -> dict[str, str]:
    """Everything under `root` (itself included) that group or others may read, with its mode."""
    found = {}
    for path in (root, *root.rglob("*")):
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except FileNotFoundError:  # a broker message taken while we looked
            continue
        wanted = 0o700 if path.is_dir() else 0o600
        if mode != wanted:
            found[str(path.relative_to(root.parent))] = oct(mode)
    return found


def test_consent_up_keeps_every_file_of_its_instance_to_its_own_user(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    environ = {
        "CONSENT_INSTANCE_DIR": str(instance),
        "CONSENT_DATABASE_URL": "",
        "MAILER_DATABASE_URL": "",
        "BROKER_URL": "",
        "CONSENT_SECRET_KEY": "",
        "MAILER_EMAIL_BACKEND": "file",
    }
    port = free_port()
    up = subprocess.Popen(
        [sys.executable, "-m", "consent_service", "up", "--port", str(port)],
        env=os.environ | environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        umask=USUAL_UMASK,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", timeout=30)
        key = subprocess.run(
            [sys.executable, "-m", "consent_service", *KEY_ARGS],
            env=os.environ | environ,
            capture_output=True,
            text=True,
            umask=USUAL_UMASK,
            check=True,
        ).stdout.split()[-1]
        body = {
            "subject": {"email": "private@example.kg"},
            "purposes": {"newsletters": True},
            "source": "registration",
        }
        request = urllib.request.Request(
            f"{base}/v1/consents",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        # the double opt-in email went through the relay, the broker and the mailer
        assert wait_until(lambda: list((instance / "outbox").glob("*.eml")), 30)
        assert (instance / "broker" / "control").is_dir()
        assert {"consent.db", "mailer.db", "secret_key"} <= {p.name for p in instance.iterdir()}
        assert exposed(instance) == {}
    finally:
        os.killpg(up.pid, signal.SIGINT)
        up.wait(timeout=30)


def test_a_message_waiting_in_the_embedded_broker_is_private(usual_umask, tmp_path: Path) -> None:
    exchange = Exchange("consent.events", type="topic")
    queue = Queue("waiting", exchange=exchange, routing_key="#")
    with broker_connection(None, tmp_path / "instance") as connection:
        queue(connection.channel()).declare()
        connection.Producer().publish({"email": "a@example.kg"}, exchange=exchange, routing_key="x")
    messages = list((tmp_path / "instance" / "broker" / "messages").glob("*.msg"))
    assert len(messages) == 1
    assert exposed(tmp_path / "instance") == {}


def test_a_sqlite_database_and_its_write_ahead_log_are_private(usual_umask, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'consent.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (email TEXT)")
        connection.exec_driver_sql("INSERT INTO t VALUES ('a@example.kg')")
    with engine.connect() as connection:  # the log is written and still open
        assert (tmp_path / "instance" / "consent.db-wal").exists()
        assert exposed(tmp_path / "instance") == {}
    engine.dispose()


def test_a_database_file_an_older_release_left_readable_is_closed_on_start(
    usual_umask, tmp_path
) -> None:
    database = tmp_path / "consent.db"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_an_eml_file_and_its_outbox_are_private(usual_umask, tmp_path: Path) -> None:
    FileBackend(tmp_path / "instance" / "outbox", SENDER).send(one_group(2))
    assert len(list((tmp_path / "instance" / "outbox").glob("*.eml"))) == 2
    assert exposed(tmp_path / "instance") == {}
