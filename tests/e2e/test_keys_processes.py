"""Revocation across processes: two `consent serve` on one PostgreSQL database.

Each process caches the keys it verified; a key revoked through one process (or with
`consent keys revoke`) must be refused by the other at its very next request.
"""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import fresh_postgres
from tests.processes import consent_cli
from tests.stack import Stack

pytestmark = pytest.mark.postgres


def call(base: str, method: str, path: str, key: str) -> int:
    request = urllib.request.Request(base + path, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        json.loads(error.read())  # every refusal is a problem document
        return error.code


def create_key(environ: dict[str, str], name: str, *scopes: str) -> str:
    options = [arg for scope in scopes for arg in ("--scope", scope)]
    created = consent_cli(environ, "keys", "create", "--name", name, *options)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[Stack, Stack]]:
    with fresh_postgres("consent_keys") as url:
        environ = {
            "CONSENT_INSTANCE_DIR": str(tmp_path / "instance"),
            "CONSENT_DATABASE_URL": url,
            "CONSENT_SECRET_KEY": "keys-test-secret",
        }
        assert consent_cli(environ, "db", "upgrade").returncode == 0
        first, second = Stack(environ, tmp_path), Stack(environ, tmp_path)
        try:
            first.start("api", name="api-1")
            second.start("api", name="api-2")
            yield first, second
        finally:
            first.stop_all()
            second.stop_all()


def warm(servers: tuple[Stack, Stack], key: str) -> None:
    """Each process verifies the key and keeps it in its cache."""
    for server in servers:
        for path in ("/v1/subjects?email=nobody@example.kg", "/v1/purposes"):
            assert call(server.base, "GET", path, key) in (200, 404)


def test_a_key_revoked_through_one_process_is_refused_by_the_other_at_once(two_servers):
    first, second = two_servers
    admin = create_key(first.environ, "admin", "admin")
    shop = create_key(first.environ, "shop", "consents:write", "subjects:read")
    warm(two_servers, shop)
    assert call(first.base, "DELETE", f"/v1/keys/{shop.split('_')[1]}", admin) == 204
    assert call(second.base, "GET", "/v1/purposes", shop) == 401
    assert call(second.base, "GET", "/v1/subjects?email=nobody@example.kg", shop) == 401
    assert call(first.base, "GET", "/v1/purposes", shop) == 401


def test_a_key_revoked_with_the_cli_is_refused_by_every_process_at_once(two_servers):
    first = two_servers[0]
    shop = create_key(first.environ, "shop", "consents:write", "subjects:read")
    warm(two_servers, shop)
    key_id = shop.split("_")[1]
    revoked = consent_cli(first.environ, "keys", "revoke", key_id)
    assert revoked.returncode == 0, revoked.stderr
    for server in two_servers:
        assert call(server.base, "GET", "/v1/subjects?email=nobody@example.kg", shop) == 401
    listed = consent_cli(first.environ, "keys", "list")
    [line] = [line for line in listed.stdout.splitlines() if line.startswith(key_id)]
    assert line.split("\t")[:4] == [key_id, "shop", f"ck_{key_id}_", "consents:write,subjects:read"]
    assert line.split("\t")[4].startswith("revoked ")
