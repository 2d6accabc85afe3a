"""The SMTP backend against a real local SMTP server (aiosmtpd)."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from mailer.adapters.email.smtp import SmtpBackend, SmtpServer, parse_smtp_url
from mailer.config import ConfigError
from mailer.domain.outgoing import Outgoing, Person
from tests.email.factories import SENDER, composer
from tests.processes import free_port


@dataclass
class Mailbox:
    """What the server took; addresses starting `refused` or `vanish` misbehave on purpose."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    connections: int = 0
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if envelope.rcpt_tos[0].startswith("vanish"):
            server.transport.close()
            return "250 never heard"
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 Queued"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append((data.login, data.password))
            return AuthResult(success=data.password == b"s3cret@pass", handled=False)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=mailbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield mailbox, port
    controller.stop()


def group_for(*addresses: str) -> Outgoing:
    [group] = composer().compose([Person(uuid.uuid4(), a, "ky", "Aigul") for a in addresses])
    return group


def backend(port: int, sleeps: list[float] | None = None, **server: Any) -> SmtpBackend:
    target = SmtpServer("127.0.0.1", port, "plain", **server)
    return SmtpBackend(
        target, SENDER, sleep=(sleeps if sleeps is not None else []).append, timeout=5
    )


def test_every_envelope_is_delivered_personalized_over_one_connection(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    group = group_for("a@example.kg", "b@example.kg", "c@example.kg")

    outcomes = backend(port).send(group)

    assert [o.kind for o in outcomes] == ["sent"] * 3
    assert mailbox.connections == 1
    assert [(m[0], m[1]) for m in mailbox.messages] == [
        ("news@shop.example.kg", [address])
        for address in ("a@example.kg", "b@example.kg", "c@example.kg")
    ]
    for (_, _, raw), envelope in zip(mailbox.messages, group.envelopes, strict=True):
        message = message_from_bytes(raw, policy=policy.default)
        assert message["List-Unsubscribe"] == envelope.headers["List-Unsubscribe"]
        unsubscribe = envelope.headers["List-Unsubscribe"].strip("<>")
        assert unsubscribe in message.get_body(("plain",)).get_content()


def test_a_refused_recipient_fails_alone_with_the_server_s_reason(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server

    outcomes = backend(port).send(group_for("a@example.kg", "refused@example.kg", "c@example.kg"))

    assert [o.kind for o in outcomes] == ["sent", "failed", "sent"]
    assert "550" in (outcomes[1].reason or "")
    assert "No such mailbox" in (outcomes[1].reason or "")
    assert len(mailbox.messages) == 2


def test_a_connection_lost_after_data_is_unknown_and_the_rest_still_go(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server

    outcomes = backend(port).send(group_for("a@example.kg", "vanish@example.kg", "c@example.kg"))

    assert [o.kind for o in outcomes] == ["sent", "unknown", "sent"]
    assert "after DATA" in (outcomes[1].reason or "")
    assert [m[1] for m in mailbox.messages] == [["a@example.kg"], ["c@example.kg"]]
    assert mailbox.connections == 2


def test_a_server_that_refuses_connections_fails_everyone_after_a_few_retries() -> None:
    sleeps: list[float] = []

    outcomes = backend(free_port(), sleeps).send(group_for("a@example.kg", "b@example.kg"))

    assert [o.kind for o in outcomes] == ["failed", "failed"]
    assert "ConnectionRefusedError" in (outcomes[0].reason or "")
    assert sleeps == [0.5, 1.0, 2.0]


def test_credentials_from_the_url_log_in(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server
    server = parse_smtp_url(f"smtp://mailer:s3cret%40pass@127.0.0.1:{port}")

    outcomes = SmtpBackend(server, SENDER, timeout=5).send(group_for("a@example.kg"))

    assert [o.kind for o in outcomes] == ["sent"]
    assert mailbox.logins == [(b"mailer", b"s3cret@pass")]


def test_a_wrong_password_fails_without_retrying(smtp_server: tuple[Mailbox, int]) -> None:
    _, port = smtp_server
    sleeps: list[float] = []

    outcomes = backend(port, sleeps, username="mailer", password="wrong").send(
        group_for("a@example.kg")
    )

    assert [o.kind for o in outcomes] == ["failed"]
    assert "login refused" in (outcomes[0].reason or "")
    assert sleeps == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.kg", SmtpServer("mail.example.kg", 25, "plain")),
        (
            "smtp://u:p@mail.example.kg:587?starttls=1",
            SmtpServer("mail.example.kg", 587, "starttls", "u", "p"),
        ),
        ("smtps://mail.example.kg", SmtpServer("mail.example.kg", 465, "tls")),
    ],
)
def test_smtp_urls_are_understood(url: str, expected: SmtpServer) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.kg", "smtp://", "smtp://host:notaport"])
def test_a_malformed_smtp_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigError, match="MAILER_SMTP_URL"):
        parse_smtp_url(url)
