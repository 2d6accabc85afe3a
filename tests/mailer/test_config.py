"""The mailer's settings come from the environment, with the documented defaults."""

from pathlib import Path

import pytest

from mailer.config import ConfigError, MailerSettings


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


def test_a_plain_postgresql_url_is_driven_by_psycopg_3() -> None:
    settings = MailerSettings.from_env({"MAILER_DATABASE_URL": "postgresql://u@db:5432/mailer"})
    assert settings.database_url == "postgresql+psycopg://u@db:5432/mailer"


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


@pytest.mark.parametrize(
    "env",
    [
        {"MAILER_CATCHUP_INTERVAL": "soon"},
        {"MAILER_CATCHUP_INTERVAL": "0"},
        {"MAILER_REGISTRY_URL": "file:///etc/passwd"},
    ],
)
def test_a_malformed_setting_stops_the_worker_from_starting(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        MailerSettings.from_env(env)
