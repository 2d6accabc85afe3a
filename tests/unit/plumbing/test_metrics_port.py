"""The metrics port settings (MAILER_METRICS_PORT, CONSENT_RELAY_METRICS_PORT): a port, or
off; anything else stops the process with the setting named."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.config import ConfigError, Settings
from mailer.config import ConfigError as MailerConfigError
from mailer.config import MailerSettings
from plumbing.metrics import MetricsPortError, metrics_port


@pytest.mark.parametrize(("raw", "port"), [("", None), (" ", None), ("9102", 9102), ("1", 1)])
def test_a_port_or_nothing(raw: str, port: int | None) -> None:
    assert metrics_port({"X_PORT": raw}, "X_PORT") == port
    assert metrics_port({}, "X_PORT") is None


@given(st.text())
def test_any_text_is_a_port_off_or_refused_with_the_setting_named(raw: str) -> None:
    stripped = raw.strip()
    if not stripped:
        assert metrics_port({"X_PORT": raw}, "X_PORT") is None
    elif stripped.isascii() and stripped.isdigit() and 1 <= int(stripped) <= 65535:
        assert metrics_port({"X_PORT": raw}, "X_PORT") == int(stripped)
    else:
        with pytest.raises(MetricsPortError, match="X_PORT"):
            metrics_port({"X_PORT": raw}, "X_PORT")


@pytest.mark.parametrize("raw", ["0", "65536", "-1", "http", "9102/tcp", "\uff11\uff12\uff13"])
def test_what_is_no_port_is_refused(raw: str) -> None:
    with pytest.raises(MetricsPortError, match="X_PORT"):
        metrics_port({"X_PORT": raw}, "X_PORT")


def test_the_mailer_refuses_a_malformed_port(tmp_path) -> None:
    env = {"CONSENT_INSTANCE_DIR": str(tmp_path), "MAILER_METRICS_PORT": "nine"}
    with pytest.raises(MailerConfigError, match="MAILER_METRICS_PORT"):
        MailerSettings.from_env(env)
    assert MailerSettings.from_env(env | {"MAILER_METRICS_PORT": "9102"}).metrics_port == 9102


def test_the_relay_refuses_a_malformed_port(tmp_path) -> None:
    env = {"CONSENT_INSTANCE_DIR": str(tmp_path), "CONSENT_RELAY_METRICS_PORT": "70000"}
    with pytest.raises(ConfigError, match="CONSENT_RELAY_METRICS_PORT"):
        Settings.from_env(env)
    assert Settings.from_env(env | {"CONSENT_RELAY_METRICS_PORT": ""}).relay_metrics_port is None
