"""Two registry processes under gunicorn share what must be shared (docs/decisions/0042).

Each server here is its own gunicorn with one worker, so that every request goes to a known
process (two workers behind one socket would take turns as the kernel pleases). They share
one PostgreSQL database and the machine's Redis: the public pages' budget per client is
counted in Redis, the console's login failures and the API keys live in the database.
A failure is counted for the typed address and for the client alike (one table, one rule:
tests/console/test_sign_in.py), so the address is the one shown sharing here.
"""

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import requests

from consent_service.adapters import schema
from tests.databases import fresh_postgres
from tests.logged import Logged, python_module, start_logged
from tests.processes import ROOT, consent_cli, free_port, wait_for_http
from tests.redis_store import reachable_redis, unique_client

pytestmark = pytest.mark.postgres

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def servers_and_environ(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[list[Logged], dict[str, str]]]:
    home = tmp_path_factory.mktemp("shared")
    store = reachable_redis()
    with fresh_postgres("consent_shared") as url:
        schema.upgrade(url.replace("postgresql://", "postgresql+psycopg://"))
        environ = {
            "CONSENT_INSTANCE_DIR": str(home / "instance"),
            "CONSENT_DATABASE_URL": url,
            "BROKER_URL": "",
            "CONSENT_SECRET_KEY": "shared-state-secret",
            "CONSENT_TRUSTED_PROXIES": "1",  # each test counts under an address of its own
            "PUBLIC_RATE_LIMIT": "3/minute",
            "PUBLIC_RATE_LIMIT_STORAGE": store,
            "GUNICORN_WORKERS": "1",
        }
        servers: list[Logged] = []
        try:
            for number in (1, 2):
                port = free_port()
                own = environ | {
                    "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "XDG_RUNTIME_DIR": str(home / str(number)),
                    "PROMETHEUS_MULTIPROC_DIR": str(home / f"metrics-{number}"),
                }
                (home / str(number)).mkdir()
                argv = python_module(
                    "gunicorn",
                    "-c",
                    str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "consent_service.wsgi:app",
                )
                servers.append(
                    start_logged(
                        argv, own, home / f"gunicorn-{number}.log", f"http://127.0.0.1:{port}"
                    )
                )
            for server in servers:
                wait_for_http(f"{server.base}/healthz", timeout=60)
            yield servers, environ
        finally:
            for server in servers:  # both stop at once, then each is waited for
                server.process.terminate()
            for server in servers:
                server.stop()


@pytest.fixture
def two_servers(servers_and_environ) -> list[Logged]:
    return servers_and_environ[0]


@pytest.fixture
def client_address() -> Iterator[str]:
    with unique_client() as address:
        yield address


def test_the_public_budget_of_a_client_is_shared_by_both_processes(
    two_servers, client_address
) -> None:
    first, second = two_servers
    headers = {"X-Forwarded-For": client_address}
    answers = [
        requests.get(f"{server.base}/policy", headers=headers, timeout=10).status_code
        for server in (first, second, first, second, first)
    ]
    assert answers == [200, 200, 200, 429, 429]


def failed_sign_in(base: str, email: str, client: str) -> int:
    """One wrong password from `client`, the way a browser sends it (CSRF cookie and field)."""
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = client
    page = browser.get(f"{base}/console/login", timeout=10)
    found = CSRF_FIELD.search(page.text)
    assert found, page.status_code
    form = {"email": email, "password": "not the password", "csrf_token": found.group(1)}
    answer = browser.post(f"{base}/console/login", data=form, timeout=10, allow_redirects=False)
    return answer.status_code


def test_the_eleventh_failed_sign_in_for_one_address_waits_whichever_process_takes_it(
    two_servers,
) -> None:
    first, second = two_servers
    email = "guessed@shop.example"
    tries = [
        failed_sign_in(server.base, email, f"198.51.100.{attempt}")
        for attempt, server in enumerate([first, second] * 5)
    ]
    assert tries == [200] * 10  # refused (the same page for everyone), never waiting yet
    assert failed_sign_in(first.base, email, "198.51.100.77") == 429
    assert failed_sign_in(second.base, email, "198.51.100.78") == 429


def call(base: str, method: str, path: str, key: str) -> int:
    sent = urllib.request.Request(base + path, method=method)
    sent.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(sent, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        json.loads(error.read())
        return error.code


def test_a_key_revoked_through_one_process_is_refused_by_the_other_at_its_next_request(
    servers_and_environ,
) -> None:
    two_servers, environ = servers_and_environ
    first, second = two_servers
    keys = {}
    for name, scope in (("admin", "admin"), ("shop", "subjects:read")):
        made = consent_cli(environ, "keys", "create", "--name", name, "--scope", scope)
        assert made.returncode == 0, made.stderr
        keys[name] = made.stdout.strip().splitlines()[-1]
    for server in two_servers:  # both processes verify the key and cache it
        assert call(server.base, "GET", "/v1/purposes", keys["shop"]) == 200
        assert call(server.base, "GET", "/v1/purposes", keys["shop"]) == 200
    key_id = keys["shop"].split("_")[1]
    assert call(first.base, "DELETE", f"/v1/keys/{key_id}", keys["admin"]) == 204
    assert call(second.base, "GET", "/v1/purposes", keys["shop"]) == 401
    assert call(first.base, "GET", "/v1/purposes", keys["shop"]) == 401
