"""The public pages served by the real processes, and what a browser test needs around them.

`running_site()` starts `consent serve`, `consent relay` and `mailer work` (tests/stack.py)
on fresh PostgreSQL databases and a fresh RabbitMQ vhost, so that a click in a page can be
followed all the way into the mailer's own tables. `PublicSite` signs people up through the
API and mints the links their emails would carry, with the same secret as the registry.
"""

import subprocess
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from itsdangerous import TimestampSigner

from plumbing.tokens import ALL_EMAIL, LinkSigner
from tests.databases import fresh_postgres, service_unavailable
from tests.factories import consent_body
from tests.processes import consent_cli
from tests.stack import Stack, mailer_state

SECRET = "browser-secret"
"""The registry's CONSENT_SECRET_KEY, so the tests can mint the links an email would carry."""

DOUBLE_OPT_IN = "newsletters"
"""Only newsletters wait for confirmation: the other email purposes can be granted directly."""

POLICY_VERSION = "2026-11-01"
"""The policy version the migrations seed."""


class PublicSite:
    """The running service as a person with an email in hand meets it, plus a look behind."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.signer = LinkSigner(SECRET)

    @property
    def base(self) -> str:
        return self.stack.base

    def url(self, path: str, **query: str) -> str:
        suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
        return f"{self.base}{path}{suffix}"

    def sign_up(self, purposes: dict[str, bool], locale: str = "ky") -> str:
        """A new person with these decisions (newsletters stay pending); their subject id."""
        body = consent_body(purposes=purposes)
        body["subject"]["locale"] = locale
        status, answer = self.stack.call("POST", "/v1/consents", body)
        assert status == 201, answer
        return answer["subject_id"]

    def signup_form(self) -> str:
        """The hosted sign-up form of a newsletter box (created once); its id."""
        form = {
            "form_id": "newsletter-box",
            "purposes": ["newsletters", "promotions"],
            "source": "newsletter_form",
            "allowed_origins": ["https://shop.example.kg"],
            "default_locale": "ky",
        }
        status, answer = self.stack.call("POST", "/v1/forms", form)
        assert status in (201, 409), answer
        return form["form_id"]

    def subject(self, subject_id: str) -> dict[str, Any]:
        status, answer = self.stack.call("GET", f"/v1/subjects/{subject_id}")
        assert status == 200, answer
        return answer

    def statuses(self, subject_id: str) -> dict[str, str]:
        """Purpose to status, as `GET /v1/subjects/{id}` answers."""
        consents = self.subject(subject_id)["consents"]
        return {purpose: consent["status"] for purpose, consent in consents.items()}

    def mailer_statuses(self, subject_id: str) -> dict[str, str]:
        """Purpose to status, as the mailer's own tables hold it."""
        return mailer_state(self.stack.environ["MAILER_DATABASE_URL"]).get(subject_id, {})

    def unsubscribe_url(self, subject_id: str, purpose: str = ALL_EMAIL) -> str:
        return self.url(f"/u/{self.signer.unsubscribe_token(uuid.UUID(subject_id), purpose)}")

    def preferences_url(self, subject_id: str) -> str:
        return self.url(f"/preferences/{self.signer.preferences_token(uuid.UUID(subject_id))}")

    def confirm_url(self, subject_id: str, age: timedelta = timedelta(0)) -> str:
        """The double opt-in link, minted as if `age` ago."""
        token = minted_ago(age, lambda: self.signer.confirm_token(uuid.UUID(subject_id)))
        return self.url(f"/confirm/{token}")


def minted_ago(age: timedelta, mint: Any) -> str:
    """Call `mint` as if `age` ago: itsdangerous stamps tokens with `get_timestamp`."""
    then = int(time.time() - age.total_seconds())
    with mock.patch.object(TimestampSigner, "get_timestamp", return_value=then):
        return mint()


def _rabbitmqctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=60, check=False
    )


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """A fresh vhost on the machine's RabbitMQ for the whole browser run, deleted afterwards."""
    vhost = f"consent-browser-{uuid.uuid4().hex[:10]}"
    try:
        created = _rabbitmqctl("add_vhost", vhost)
    except FileNotFoundError as error:
        service_unavailable("RabbitMQ", str(error))
    if created.returncode != 0:
        service_unavailable("RabbitMQ", created.stderr.strip() or created.stdout.strip())
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@contextmanager
def running_site(
    workdir: Path,
    parts: tuple[str, ...] = ("api", "relay", "mailer"),
    port: int | None = None,
    **settings: str,
) -> Iterator[PublicSite]:
    """The registry, relay and mailer as processes; `settings` add to their environment, and
    `port`, when given, is the registry's (an identity provider must know it beforehand).

    The public rate limit is off: one browser run opens far more pages than one person would.
    """
    with (
        fresh_postgres("consent_browser") as registry_db,
        fresh_postgres("mailer_browser") as mailer_db,
        rabbitmq_vhost() as broker,
    ):
        environ = {
            "CONSENT_INSTANCE_DIR": str(workdir / "instance"),
            "CONSENT_DATABASE_URL": registry_db,
            "MAILER_DATABASE_URL": mailer_db,
            "BROKER_URL": broker,
            "CONSENT_SECRET_KEY": SECRET,
            "CONSENT_PREVIOUS_SECRET_KEYS": "",
            "CONSENT_DOUBLE_OPT_IN": DOUBLE_OPT_IN,
            "DEFAULT_LOCALE": "ky",
            "PUBLIC_RATE_LIMIT": "0",
            "MAILER_EMAIL_BACKEND": "file",
            "MAILER_REGISTRY_KEY": "",
            **settings,
        }
        migrated = consent_cli(environ, "db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr
        stack = Stack(environ, workdir) if port is None else Stack(environ, workdir, port=port)
        stack.environ["PUBLIC_BASE_URL"] = stack.base
        stack.create_key("consents:write", "subjects:read", "subjects:write", "admin")
        try:
            for part in parts:
                stack.start(part)
            yield PublicSite(stack)
        finally:
            stack.stop_all()
