"""The public pages' rate limit in a shared Redis, and without it (docs/decisions/0042).

Two apps here stand for two processes: they share one budget per client through Redis. A
store that does not answer must not take the pages down: each process then counts in memory
on its own and says so in the log, without the client's address.
"""

import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from consent_service.app import create_app
from consent_service.config import Settings
from tests.processes import free_port
from tests.redis_store import reachable_redis, unique_client


@pytest.fixture
def make_app(environ: dict[str, str]) -> Iterator[Callable[..., Flask]]:
    made: list[Flask] = []

    def build(**env: str) -> Flask:
        app = create_app(Settings.from_env({**environ, "CONSENT_TRUSTED_PROXIES": "1", **env}))
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield build
    for app in made:
        app.extensions["consent.engine"].dispose()


@pytest.fixture
def client_address() -> Iterator[str]:
    with unique_client() as address:
        yield address


@pytest.fixture
def other_address() -> Iterator[str]:
    with unique_client() as address:
        yield address


def test_two_processes_share_one_budget_through_redis(
    make_app, client_address, other_address
) -> None:
    store = {"PUBLIC_RATE_LIMIT_STORAGE": reachable_redis(), "PUBLIC_RATE_LIMIT": "3/minute"}
    first, second = make_app(**store).test_client(), make_app(**store).test_client()
    headers = {"X-Forwarded-For": client_address}
    answers = [
        client.get("/policy", headers=headers).status_code
        for client in (first, second, first, second, first)
    ]
    assert answers == [200, 200, 200, 429, 429]
    other = {"X-Forwarded-For": other_address}
    assert second.get("/policy", headers=other).status_code == 200  # a budget per client


def test_with_redis_down_each_process_counts_alone_and_logs_it_without_the_client(
    make_app, client_address, caplog
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}"  # nothing listens there
    client = make_app(PUBLIC_RATE_LIMIT_STORAGE=dead, PUBLIC_RATE_LIMIT="3/minute").test_client()
    headers = {"X-Forwarded-For": client_address}
    with caplog.at_level(logging.INFO):
        answers = [client.get("/policy", headers=headers).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]  # open, never a 500, still limited
    warnings = [r for r in caplog.records if "storage unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert any("exceeded" in record.getMessage() for record in caplog.records)
    assert all(client_address not in record.getMessage() for record in caplog.records)
    assert all(client_address not in (record.exc_text or "") for record in caplog.records)
