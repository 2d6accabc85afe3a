"""CONSENT_REQUEST_DUE_DAYS: 7 by default, 1 to 90 accepted, anything else stops the start."""

import pytest

from consent_service.config import ConfigError, Settings


def settings(tmp_path, **env: str) -> Settings:
    return Settings.from_env({"CONSENT_INSTANCE_DIR": str(tmp_path), **env})


def test_a_request_is_due_a_week_after_by_default(tmp_path) -> None:
    assert settings(tmp_path).request_due_days == 7


@pytest.mark.parametrize("days", ["1", "30", "90", " 14 "])
def test_one_to_ninety_days_are_accepted(tmp_path, days) -> None:
    assert settings(tmp_path, CONSENT_REQUEST_DUE_DAYS=days).request_due_days == int(days)


@pytest.mark.parametrize("days", ["0", "91", "-3", "7.5", "week", ""])
def test_anything_else_stops_the_registry_at_start_up(tmp_path, days) -> None:
    with pytest.raises(ConfigError, match="CONSENT_REQUEST_DUE_DAYS"):
        settings(tmp_path, CONSENT_REQUEST_DUE_DAYS=days)
