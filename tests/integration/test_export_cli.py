"""`consent recipients add NAME URL` and `consent export SUBJECT_ID`, run as a shell would.

A successful `consent export` needs a running mailer: tests/e2e/test_export_*.py."""

import time
import uuid

import pytest
from sqlalchemy import select

from consent_service.adapters import orm
from tests.factories import consent_body
from tests.processes import consent_cli

PRODUCTION = {
    "CONSENT_ENV": "production",
    "PUBLIC_BASE_URL": "https://consent.ayu.kg",
    "CONSENT_BRAND_NAME": "Аю Дүкөн",
    "CONSENT_CONTROLLER_CONTACT": "privacy@ayu.kg",
    "CONSENT_LEGAL_NAME": "«Аю Дүкөн» ЖЧК",
    "CONSENT_POSTAL_ADDRESS": "Чүй проспекти 100, Бишкек",
}


def recipients(app) -> dict[str, tuple[str, str]]:
    table = orm.TransferRecipient
    with app.extensions["consent.sessions"]() as session:
        rows = session.execute(select(table.name, table.url, table.secret)).all()
    return {name: (url, secret) for name, url, secret in rows}


@pytest.mark.parametrize(
    "url",
    ["https://crm.example.kg/consent", "http://127.0.0.1:9000/in", "http://localhost:9000/in"],
)
def test_a_recipient_is_stored_and_its_secret_printed_once_alone_on_the_last_line(
    app, environ, url
) -> None:
    added = consent_cli(environ, "recipients", "add", "crm", url)
    assert added.returncode == 0, added.stderr
    secret = added.stdout.splitlines()[-1]
    assert added.stdout == secret + "\n"
    assert len(secret) >= 40
    assert secret not in added.stderr
    assert recipients(app) == {"crm": (url, secret)}
    listed = consent_cli(environ, "recipients", "list")
    assert listed.returncode == 0
    assert listed.stdout.startswith(f"crm\t{url}\t")
    assert secret not in listed.stdout + listed.stderr


@pytest.mark.parametrize(
    ("url", "production"),
    [
        ("http://crm.example.kg/consent", False),
        ("http://10.1.2.3/consent", False),
        ("http://127.0.0.1:9000/in", True),
        ("ftp://crm.example.kg/consent", False),
        ("file:///etc/passwd", False),
        ("https://user:pw@crm.example.kg/consent", False),
        ("crm.example.kg", False),
    ],
)
def test_a_url_that_is_not_https_or_loopback_in_development_is_refused(
    app, environ, url, production
) -> None:
    if production:
        environ = environ | PRODUCTION
    added = consent_cli(environ, "recipients", "add", "crm", url)
    assert added.returncode != 0
    assert "Refused URL" in added.stderr
    assert added.stdout == ""
    assert recipients(app) == {}


def test_a_second_recipient_of_the_same_name_is_refused_and_the_first_kept(app, environ) -> None:
    first = consent_cli(environ, "recipients", "add", "crm", "https://crm.example.kg/a")
    assert first.returncode == 0
    again = consent_cli(environ, "recipients", "add", "crm", "https://other.example.kg/b")
    assert again.returncode != 0
    assert "registered already" in again.stderr
    assert recipients(app) == {"crm": ("https://crm.example.kg/a", first.stdout.strip())}


@pytest.mark.parametrize("name", ["crm shop", "-crm", "c" * 101])
def test_a_name_that_is_not_a_plain_word_is_refused(app, environ, name) -> None:
    added = consent_cli(environ, "recipients", "add", name, "https://crm.example.kg/a")
    assert added.returncode != 0
    assert recipients(app) == {}


def test_exporting_an_unknown_subject_fails_without_asking_the_mailer(environ, tmp_path) -> None:
    output = tmp_path / "out.json"
    exported = consent_cli(environ, "export", str(uuid.uuid4()), "--output", str(output))
    assert exported.returncode == 1
    assert "No subject" in exported.stderr
    assert not output.exists()
    assert consent_cli(environ, "export", "not-a-uuid").returncode == 2


def test_exporting_without_a_mailer_exits_75_within_the_timeout_and_writes_nothing(
    client, writer, environ, tmp_path, table_counts
) -> None:
    subject_id = client.post("/v1/consents", json=consent_body(), headers=writer).get_json()[
        "subject_id"
    ]
    output = tmp_path / "out.zip"
    before = table_counts()
    started = time.monotonic()
    exported = consent_cli(
        environ | {"CONSENT_EXPORT_TIMEOUT": "2"},
        "export",
        subject_id,
        "--format",
        "csv",
        "--output",
        str(output),
    )
    assert exported.returncode == 75
    assert time.monotonic() - started < 15
    assert "retry" in exported.stderr
    assert not output.exists()
    assert exported.stdout == ""
    assert table_counts() == before
