"""Production start-up: every process refuses to start, naming each unfit setting at once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import free_port

HALF_CONFIGURED = {
    "CONSENT_ENV": "production",
    "PUBLIC_BASE_URL": "http://shop.kg",  # RFC 8058 one-click needs https
    "CONSENT_SECRET_KEY": "",
    "CONSENT_BRAND_NAME": "",
    "CONSENT_CONTROLLER_CONTACT": "",
    "CONSENT_LEGAL_NAME": "",
    "CONSENT_POSTAL_ADDRESS": "",
    "MAILER_FROM": "",
    "CONSENT_DATABASE_URL": "",
    "MAILER_DATABASE_URL": "",
    "BROKER_URL": "",
}
REGISTRY_NEEDS = [
    "CONSENT_SECRET_KEY",
    "PUBLIC_BASE_URL",
    "CONSENT_BRAND_NAME",
    "CONSENT_CONTROLLER_CONTACT",
    "CONSENT_LEGAL_NAME",
    "CONSENT_POSTAL_ADDRESS",
]


@pytest.mark.parametrize(
    ("argv", "needs"),
    [
        (["-m", "consent_service", "serve", "--port", str(free_port())], REGISTRY_NEEDS),
        (["-m", "consent_service", "relay"], REGISTRY_NEEDS),
        (["-m", "mailer", "work"], [*REGISTRY_NEEDS, "MAILER_FROM"]),
    ],
    ids=["consent serve", "consent relay", "mailer work"],
)
def test_a_half_configured_production_process_names_every_missing_setting(
    tmp_path: Path, argv: list[str], needs: list[str]
) -> None:
    environ = HALF_CONFIGURED | {"CONSENT_INSTANCE_DIR": str(tmp_path / "instance")}
    started = subprocess.run(
        [sys.executable, *argv],
        env=os.environ | environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    [refusal] = [line for line in started.stderr.splitlines() if "CONSENT_ENV=production" in line]
    for name in needs:
        assert f" {name} " in refusal, name
    assert not (tmp_path / "instance").exists()  # nothing was created before refusing


def test_gunicorn_refuses_to_boot_the_registry_half_configured(tmp_path: Path) -> None:
    environ = HALF_CONFIGURED | {"CONSENT_INSTANCE_DIR": str(tmp_path / "instance")}
    bind = f"127.0.0.1:{free_port()}"
    started = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", bind, "consent_service.wsgi:app"],
        env=os.environ | environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    for name in REGISTRY_NEEDS:
        assert f" {name} " in started.stderr, name
