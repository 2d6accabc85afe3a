"""`make_backend` builds what MAILER_EMAIL_BACKEND names, from the mailer's settings."""

from pathlib import Path

import pytest

from mailer.adapters.email import make_backend
from mailer.adapters.email.file import FileBackend
from mailer.adapters.email.smtp import SmtpBackend
from mailer.config import ConfigError, SendingSettings
from tests.email.factories import one_group
from tests.fake_sendgrid import DEFAULT_KEY, FakeSendGrid


def settings(tmp_path: Path, **env: str) -> SendingSettings:
    return SendingSettings.from_env({"CONSENT_SECRET_KEY": "k", **env}, tmp_path)


def test_the_default_writes_files_under_the_instance_outbox(tmp_path: Path) -> None:
    backend = make_backend(settings(tmp_path), tmp_path)

    outcomes = backend.send(one_group(1))

    assert isinstance(backend, FileBackend)
    assert [o.kind for o in outcomes] == ["sent"]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_smtp_reads_its_url(tmp_path: Path) -> None:
    env = {"MAILER_EMAIL_BACKEND": "smtp", "MAILER_SMTP_URL": "smtp://mail.example.kg:2525"}

    assert isinstance(make_backend(settings(tmp_path, **env), tmp_path), SmtpBackend)


def test_a_malformed_smtp_url_stops_the_worker(tmp_path: Path) -> None:
    env = {"MAILER_EMAIL_BACKEND": "smtp", "MAILER_SMTP_URL": "mail.example.kg"}

    with pytest.raises(ConfigError):
        make_backend(settings(tmp_path, **env), tmp_path)


def test_sendgrid_talks_to_sendgrid_host(tmp_path: Path, fake_sendgrid: FakeSendGrid) -> None:
    env = {
        "MAILER_EMAIL_BACKEND": "sendgrid",
        "SENDGRID_API_KEY": DEFAULT_KEY,
        "SENDGRID_HOST": fake_sendgrid.url,
        "MAILER_FROM": "news@shop.example.kg",
    }

    outcomes = make_backend(settings(tmp_path, **env), tmp_path).send(one_group(2))

    assert [o.kind for o in outcomes] == ["sent", "sent"]
    assert len(fake_sendgrid.accepted()) == 2
