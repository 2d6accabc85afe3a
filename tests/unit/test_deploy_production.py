"""The compose file runs the production image (CONSENT_ENV=production): each process's
environment must ask the operator for every setting production refuses to start without,
and default none of them to a development value."""

import re
from pathlib import Path

import pytest
import yaml

from plumbing.production import missing_settings

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = re.compile(r"^\$\{(\w+):\?[^}]*\}$")
DEFAULTED = re.compile(r"^\$\{(\w+):-([^}]*)\}$")
OPERATOR_GIVES = {
    "PUBLIC_BASE_URL": "https://consent.ayu.kg",
    "MAILER_FROM": "Аю Дүкөн <news@ayu.kg>",
}


def as_started(environment: dict[str, str]) -> dict[str, str]:
    """The environment a container gets when the operator sets every required variable."""
    started = {"CONSENT_ENV": "production"}  # from the Dockerfile
    for name, value in environment.items():
        if required := REQUIRED.match(str(value)):
            started[name] = OPERATOR_GIVES.get(required[1], "set by the operator")
        elif defaulted := DEFAULTED.match(str(value)):
            started[name] = defaulted[2]
        else:
            started[name] = str(value)
    return started


def test_the_image_runs_in_production() -> None:
    assert "CONSENT_ENV=production" in (ROOT / "deploy" / "Dockerfile").read_text()


@pytest.mark.parametrize("service", ["migrate", "registry", "relay", "scheduler", "mailer"])
def test_every_service_is_given_what_production_requires(service: str) -> None:
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    environment = as_started(services[service]["environment"])
    assert missing_settings(environment, sends_email=service == "mailer") == []
