"""The README's commands: `consent serve` on embedded defaults, keys, migrations, curl."""

import json
import os
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.processes import consent_cli, free_port, start, stop, wait_for_http


class Served:
    """A running `consent serve`; `stop()` ends it and returns what it logged."""

    def __init__(self, process: subprocess.Popen, base: str, environ: dict[str, str]) -> None:
        self.process, self.base, self.environ = process, base, environ

    def stop(self) -> str:
        _, stderr = stop(self.process)
        return stderr


@pytest.fixture
def served(tmp_path: Path):
    """`consent serve` with nothing configured but an instance directory."""
    environ = {"CONSENT_INSTANCE_DIR": str(tmp_path / "instance")}
    for name in ("CONSENT_DATABASE_URL", "CONSENT_SECRET_KEY"):
        environ[name] = ""
    port = free_port()
    process = start(
        [sys.executable, "-m", "consent_service", "serve", "--port", str(port)],
        env=os.environ | environ,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Served(process, f"http://127.0.0.1:{port}", environ)
    try:
        wait_for_http(f"{server.base}/healthz")
        yield server
    finally:
        server.stop()


def create_key(environ: dict[str, str], *scopes: str) -> str:
    args = [arg for scope in scopes for arg in ("--scope", scope)]
    created = consent_cli(environ, "keys", "create", "--name", "shop", *args)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


def request(method: str, url: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {key}")
    if data:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_serve_runs_on_embedded_sqlite_and_answers_a_key_created_by_the_cli(served) -> None:
    base, environ = served.base, served.environ
    key = create_key(environ, "consents:write", "subjects:read")
    assert key.startswith("ck_")
    body = {
        "subject": {"email": "aigul@example.kg", "locale": "ky"},
        "purposes": {"newsletters": True, "personalization": True},
        "source": "registration",
        "policy_version": "2026-11-01",
    }
    status, answer = request("POST", f"{base}/v1/consents", key, body)
    assert status == 201
    assert answer["consents"]["personalization"]["status"] == "granted"
    status, found = request("GET", f"{base}/v1/subjects/{answer['subject_id']}", key)
    assert found == answer
    instance = Path(environ["CONSENT_INSTANCE_DIR"])
    assert (instance / "consent.db").exists()
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600


def test_keys_create_prints_the_key_alone_on_the_last_line_and_rejects_unknown_scopes(
    tmp_path,
) -> None:
    environ = {"CONSENT_INSTANCE_DIR": str(tmp_path), "CONSENT_DATABASE_URL": ""}
    ok = consent_cli(environ, "keys", "create", "--name", "n", "--scope", "admin")
    assert ok.returncode == 0
    assert ok.stdout.splitlines()[-1].startswith("ck_")
    assert len(ok.stdout.strip().splitlines()) == 1
    bad = consent_cli(environ, "keys", "create", "--name", "n", "--scope", "everything")
    assert bad.returncode != 0


def test_db_upgrade_migrates_the_configured_database(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    result = consent_cli(
        {"CONSENT_INSTANCE_DIR": str(tmp_path), "CONSENT_DATABASE_URL": url}, "db", "upgrade"
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "other.db").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["audit", "verify"],
        ["audit", "checkpoint"],
        ["keys", "list"],
        ["recipients", "list"],
        ["purge", "--dry-run"],
    ],
    ids=" ".join,
)
def test_a_command_run_first_on_an_embedded_instance_creates_its_database(
    tmp_path, command: list[str]
) -> None:
    """No one else migrates an embedded SQLite database: every command that opens it creates
    or upgrades it first (cli/support.py), so none fails on a table that is not there."""
    instance = tmp_path / "instance"
    environ = {
        "CONSENT_INSTANCE_DIR": str(instance),
        "CONSENT_DATABASE_URL": "",
        "CONSENT_SECRET_KEY": "",
    }
    result = consent_cli(environ, *command)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (instance / "consent.db").is_file()


def test_production_refuses_to_start_without_a_secret_key(tmp_path) -> None:
    environ = {
        "CONSENT_INSTANCE_DIR": str(tmp_path),
        "CONSENT_ENV": "production",
        "CONSENT_SECRET_KEY": "",
    }
    result = consent_cli(environ, "db", "upgrade")
    assert result.returncode != 0
    assert "CONSENT_SECRET_KEY is required" in result.stderr


def test_logs_are_json_lines_without_email_addresses_in_clear(served) -> None:
    key = create_key(served.environ, "consents:write", "subjects:read")
    body = {
        "subject": {"email": "secret.person@example.kg"},
        "purposes": {"surveys": True},
        "source": "survey",
    }
    request("POST", f"{served.base}/v1/consents", key, body)
    request("GET", f"{served.base}/v1/subjects?email=secret.person@example.kg", key)
    logs = served.stop()
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any("/v1/subjects?email=" in line["message"] for line in lines)
    assert "secret.person" not in logs
