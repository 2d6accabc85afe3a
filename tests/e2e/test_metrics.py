"""The metrics of the running processes, as Prometheus would scrape them.

`mailer work` with MAILER_METRICS_PORT and `consent relay` with CONSENT_RELAY_METRICS_PORT on
the machine's RabbitMQ and PostgreSQL: one consent change moves the relay's published count,
the mailer's applied count and its propagation histogram. The API under gunicorn with two
workers: each worker counts the changes it commits, and a scrape of either one sums them.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.databases import fresh_postgres
from tests.factories import consent_body, unique_email
from tests.metrics import fetch, scraped
from tests.processes import ROOT, consent_cli, free_port, start, stop, wait_for_http
from tests.stack import Stack, wait_until

pytestmark = pytest.mark.postgres

APPLIED = 'mailer_events_applied_total{outcome="applied"}'
PROPAGATED = "mailer_propagation_seconds_count"
PUBLISHED = "consent_relay_published_messages_total"


@pytest.fixture
def stack(tmp_path: Path, rabbitmq_url: str) -> Iterator[Stack]:
    with (
        fresh_postgres("consent_metrics") as registry_db,
        fresh_postgres("mailer_metrics") as mailer_db,
    ):
        environ = {
            "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
            "CONSENT_SECRET_KEY": "metrics-secret",
            "CONSENT_DATABASE_URL": registry_db,
            "MAILER_DATABASE_URL": mailer_db,
            "BROKER_URL": rabbitmq_url,
            "MAILER_REGISTRY_KEY": "",
            "MAILER_METRICS_PORT": str(free_port()),
            "CONSENT_RELAY_METRICS_PORT": str(free_port()),
        }
        assert consent_cli(environ, "db", "upgrade").returncode == 0
        stack = Stack(environ, tmp_path)
        stack.create_key()
        yield stack
        stack.stop_all()


def metrics_of(stack: Stack, setting: str) -> dict[str, float]:
    return scraped(fetch(f"http://127.0.0.1:{stack.environ[setting]}/metrics"))


def test_a_consent_change_moves_the_relay_and_mailer_figures(stack: Stack) -> None:
    for part in ("api", "relay", "mailer"):
        stack.start(part)
    for setting in ("MAILER_METRICS_PORT", "CONSENT_RELAY_METRICS_PORT"):
        wait_for_http(f"http://127.0.0.1:{stack.environ[setting]}/metrics", timeout=60)
    before = metrics_of(stack, "MAILER_METRICS_PORT")
    assert before.get(APPLIED, 0) == 0
    assert before[PROPAGATED] == 0

    body = {
        "subject": {"email": unique_email(), "locale": "ky"},
        "purposes": {"personalization": True},
        "source": "registration",
    }
    status, answer = stack.call("POST", "/v1/consents", body)
    assert status in (200, 201), answer

    assert wait_until(lambda: metrics_of(stack, "MAILER_METRICS_PORT").get(APPLIED, 0) >= 1, 60)
    mailer = metrics_of(stack, "MAILER_METRICS_PORT")
    assert mailer[PROPAGATED] >= 1
    assert mailer['mailer_propagation_seconds_bucket{le="+Inf"}'] == mailer[PROPAGATED]
    assert 0 <= mailer["mailer_propagation_seconds_sum"] < 60
    assert metrics_of(stack, "CONSENT_RELAY_METRICS_PORT")[PUBLISHED] >= 1
    registry = scraped(fetch(f"{stack.base}/metrics"))
    change = (
        'consent_changes_total{purpose="personalization",source="registration",status="granted"}'
    )
    assert registry[change] == 1


def test_a_mailer_without_a_metrics_port_serves_none(stack: Stack) -> None:
    port = stack.environ["MAILER_METRICS_PORT"]
    stack.start("mailer", MAILER_METRICS_PORT="")
    log = stack.logs / "mailer.log"
    assert wait_until(lambda: '"event": "started"' in log.read_text(), 60), log.read_text()
    assert not _answers(f"http://127.0.0.1:{port}/metrics")


def _answers(url: str) -> bool:
    try:
        fetch(url)
    except OSError:
        return False
    return True


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[tuple[Stack, Path]]:
    """The API under deploy/gunicorn.conf.py with two workers on PostgreSQL, its metrics folder
    given (PROMETHEUS_MULTIPROC_DIR) and a leftover of an earlier run in it."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"left by an earlier run")
    with fresh_postgres("consent_metrics_gunicorn") as url:
        port = free_port()
        environ = {
            "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
            "CONSENT_DATABASE_URL": url,
            "CONSENT_SECRET_KEY": "metrics-secret",
            "BROKER_URL": "",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "PROMETHEUS_MULTIPROC_DIR": str(folder),
            "XDG_RUNTIME_DIR": str(tmp_path),
        }
        assert consent_cli(environ, "db", "upgrade").returncode == 0
        stack = Stack(environ, tmp_path, port=port)
        stack.create_key()
        with (tmp_path / "gunicorn.log").open("w") as log:
            server = start(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "consent_service.wsgi:app",
                ],
                env=os.environ | environ,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_http(f"{stack.base}/healthz", timeout=60)
            yield stack, folder
        finally:
            stop(server)


def test_every_gunicorn_worker_answers_the_sum_of_all_workers_counts(gunicorn) -> None:
    stack, folder = gunicorn

    def sign_up(_: int) -> int:
        body = consent_body(purposes={"personalization": True}, source="order")
        return stack.call("POST", "/v1/consents", body)[0]

    def counting_workers() -> set[str]:
        return {re.findall(r"\d+", path.name)[-1] for path in folder.glob("counter_*.db")}

    # The kernel hands each connection to whichever worker accepts first, so one worker may
    # take a whole burst: sign people up in bursts until both have counted some.
    changes = 0
    with ThreadPoolExecutor(4) as pool:
        while len(counting_workers()) < 2 and changes < 400:
            assert set(pool.map(sign_up, range(8))) <= {200, 201}
            changes += 8
    assert len(counting_workers()) == 2, "both workers should have counted changes"

    counted = 'consent_changes_total{purpose="personalization",source="order",status="granted"}'
    for _ in range(6):  # any worker may answer a scrape; each answers the total
        assert scraped(fetch(f"{stack.base}/metrics"))[counted] == changes
    assert not (folder / "counter_1.db").exists()
