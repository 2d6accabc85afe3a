"""The mailer's settings come from the environment, with the documented defaults."""

from datetime import timedelta
from pathlib import Path

import pytest

from mailer.config import ConfigError, FrequencyCap, MailerSettings


def test_defaults_keep_everything_under_the_instance_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = MailerSettings.from_env({})
    assert settings.instance_dir == tmp_path / "instance"
    assert settings.database_url == f"sqlite:///{tmp_path / 'instance' / 'mailer.db'}"
    assert settings.embedded_broker
    assert settings.registry_url == "http://127.0.0.1:8000"
    assert settings.registry_key is None
    assert settings.catchup_interval == 60


def test_a_plain_postgresql_url_is_driven_by_psycopg_3(tmp_path: Path) -> None:
    settings = MailerSettings.from_env(
        {"CONSENT_INSTANCE_DIR": str(tmp_path), "MAILER_DATABASE_URL": "postgresql://u@db/m"}
    )
    assert settings.database_url == "postgresql+psycopg://u@db/m"


def test_rabbitmq_catch_up_and_registry_come_from_the_environment(tmp_path: Path) -> None:
    settings = MailerSettings.from_env(
        {
            "CONSENT_INSTANCE_DIR": str(tmp_path),
            "BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
            "MAILER_REGISTRY_URL": "https://registry.example.kg/",
            "MAILER_REGISTRY_KEY": "ck_secret",
            "MAILER_CATCHUP_INTERVAL": "2.5",
        }
    )
    assert not settings.embedded_broker
    assert settings.registry_url == "https://registry.example.kg"
    assert settings.registry_key == "ck_secret"
    assert settings.catchup_interval == 2.5
    assert "ck_secret" not in repr(settings)
    assert "guest" not in repr(settings)


def test_sending_defaults_are_the_documented_ones_and_share_the_registrys_secret(
    tmp_path: Path,
) -> None:
    sending = MailerSettings.from_env({"CONSENT_INSTANCE_DIR": str(tmp_path)}).sending
    assert (sending.backend, sending.batch_size, sending.send_rate) == ("file", 1000, 0)
    assert sending.frequency_cap is None
    assert sending.batch_lease == timedelta(seconds=30)
    assert sending.secret_key == (tmp_path / "secret_key").read_text().strip()
    assert sending.secret_key not in repr(sending)


def test_sending_settings_come_from_the_environment(tmp_path: Path) -> None:
    sending = MailerSettings.from_env(
        {
            "CONSENT_INSTANCE_DIR": str(tmp_path),
            "MAILER_EMAIL_BACKEND": "sendgrid",
            "SENDGRID_API_KEY": "SG.key",
            "MAILER_BATCH_SIZE": "250",
            "MAILER_SEND_RATE": "12.5",
            "MAILER_FREQUENCY_CAP": "2/7d",
            "MAILER_BATCH_LEASE_SECONDS": "5",
            "CONSENT_SECRET_KEY": "shared",
        }
    ).sending
    assert (sending.backend, sending.batch_size, sending.send_rate) == ("sendgrid", 250, 12.5)
    assert sending.frequency_cap == FrequencyCap(2, timedelta(days=7))
    assert sending.batch_lease == timedelta(seconds=5)
    assert sending.secret_key == "shared"
    assert "SG.key" not in repr(sending)


@pytest.mark.parametrize(
    "env",
    [
        {"MAILER_CATCHUP_INTERVAL": "soon"},
        {"MAILER_CATCHUP_INTERVAL": "0"},
        {"MAILER_REGISTRY_URL": "file:///etc/passwd"},
        {"MAILER_EMAIL_BACKEND": "carrier-pigeon"},
        {"MAILER_EMAIL_BACKEND": "sendgrid"},
        {"MAILER_EMAIL_BACKEND": "smtp"},
        {"MAILER_BATCH_SIZE": "0"},
        {"MAILER_SEND_RATE": "-1"},
        {"MAILER_FREQUENCY_CAP": "often"},
        {"MAILER_BATCH_LEASE_SECONDS": "soon"},
        {"DEFAULT_LOCALE": "de"},
        {"CONSENT_ENV": "production"},
    ],
)
def test_a_malformed_setting_stops_the_worker_from_starting(
    env: dict[str, str], tmp_path: Path
) -> None:
    with pytest.raises(ConfigError):
        MailerSettings.from_env({"CONSENT_INSTANCE_DIR": str(tmp_path), **env})
