"""Delivery to an SMTP server (`MAILER_SMTP_URL`), one connection per group.

Each envelope is its own mail transaction (MAIL, RCPT, DATA), so a refused recipient fails
alone. What happened is known up to the moment the server answers 354 to DATA: until then
nothing was handed over, and a dropped connection is retried on a new one. Once the message
body is on its way, a lost connection or a timeout leaves the outcome `unknown`: the server
may have queued it, and resending could deliver it twice.
"""

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from mailer.adapters.email.mime import as_bytes, build_message
from mailer.config import ConfigError
from mailer.domain.outgoing import Envelope, Outcome, Outgoing

log = logging.getLogger(__name__)

CONNECT_DELAYS = (0.5, 1.0, 2.0)
"""Waits between connection attempts: four tries within a few seconds, then `failed`."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str
    """`plain`, `starttls` or `tls` (implicit TLS, smtps://)."""
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """`smtp://[user:pass@]host[:port][?starttls=1]` or `smtps://[user:pass@]host[:port]`."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("MAILER_SMTP_URL must look like smtp://host:25 or smtps://host:465.")
    starttls = parse_qs(parts.query).get("starttls", ["0"])[-1].lower() in ("1", "true", "yes")
    security = "tls" if parts.scheme == "smtps" else "starttls" if starttls else "plain"
    try:
        port = parts.port or (465 if security == "tls" else 25)
    except ValueError:
        raise ConfigError("MAILER_SMTP_URL has an invalid port.") from None
    return SmtpServer(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class _ConnectionLost(Exception):
    """The connection broke before the server took the message: safe to try again."""


class SmtpBackend:
    max_envelopes = 1000

    def __init__(
        self,
        server: SmtpServer,
        sender: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        self._server = server
        self._sender = sender
        self._sleep = sleep
        self._timeout = timeout

    def send(self, outgoing: Outgoing) -> list[Outcome]:
        envelopes = list(outgoing.envelopes)
        outcomes: list[Outcome] = []
        connection: smtplib.SMTP | None = None
        reconnects = 0
        try:
            while len(outcomes) < len(envelopes):
                envelope = envelopes[len(outcomes)]
                if connection is None:
                    connection, reason = self._connect()
                    if connection is None:
                        outcomes += [_failed(e, reason) for e in envelopes[len(outcomes) :]]
                        break
                try:
                    outcome, alive = self._deliver(connection, outgoing, envelope)
                except _ConnectionLost as lost:
                    _close(connection)
                    connection = None
                    reconnects += 1
                    if reconnects > len(CONNECT_DELAYS):
                        reason = f"the SMTP connection kept breaking: {lost}"
                        outcomes += [_failed(e, reason) for e in envelopes[len(outcomes) :]]
                        break
                    continue
                outcomes.append(outcome)
                if not alive:
                    _close(connection)
                    connection = None
        finally:
            if connection is not None:
                _quit(connection)
        return outcomes

    def _connect(self) -> tuple[smtplib.SMTP | None, str]:
        """A ready connection (TLS and login done), after a few quick retries; or why not."""
        reason = ""
        for attempt, delay in enumerate((*CONNECT_DELAYS, None), start=1):
            try:
                return self._open(), ""
            except smtplib.SMTPAuthenticationError as error:
                return None, f"SMTP login refused: {error.smtp_code} {_text(error.smtp_error)}"
            except OSError as error:
                reason = f"cannot connect to the SMTP server: {type(error).__name__}: {error}"
                if delay is None:
                    break
                log.warning(
                    "smtp connect retry",
                    extra={"event": "smtp_retry", "attempt": attempt, "wait_seconds": delay},
                )
                self._sleep(delay)
        return None, reason

    def _open(self) -> smtplib.SMTP:
        server = self._server
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if server.security == "tls":
            connection = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self._timeout, context=context
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        try:
            connection.ehlo()
            if server.security == "starttls":
                connection.starttls(context=context)
                connection.ehlo()
            if server.username:
                connection.login(server.username, server.password or "")
        except BaseException:
            _close(connection)
            raise
        return connection

    def _deliver(
        self, connection: smtplib.SMTP, outgoing: Outgoing, envelope: Envelope
    ) -> tuple[Outcome, bool]:
        """One mail transaction; answers the outcome and whether the connection is usable."""
        if not envelope.address.isascii():
            return _failed(
                envelope, "the address needs SMTPUTF8, which this backend does not use"
            ), True
        try:
            data = _dot_stuffed(as_bytes(build_message(self._sender, outgoing, envelope)))
        except ValueError as error:
            return _failed(envelope, f"the message cannot be built: {error}"), True
        try:
            steps = (
                (connection.mail, self._sender, (250,)),
                (connection.rcpt, envelope.address, (250, 251)),
                (connection.docmd, "DATA", (354,)),
            )
            for command, argument, accepted in steps:
                code, reply = command(argument)
                if code == 421:
                    raise _ConnectionLost(f"{code} {_text(reply)}")
                if code not in accepted:
                    return _failed(envelope, f"SMTP {code} {_text(reply)}"), _reset(connection)
        # SMTPException is an OSError: a disconnect before DATA was answered lands here.
        except OSError as error:
            raise _ConnectionLost(f"{type(error).__name__}: {error}") from None
        # From here on the server has the message, or part of it: never retry.
        try:
            connection.send(data + b".\r\n")
            code, reply = connection.getreply()
        except OSError as error:
            reason = f"the SMTP connection broke after DATA: {type(error).__name__}: {error}"
            return Outcome(envelope.subject_id, "unknown", reason), False
        if code == 250:
            return Outcome(envelope.subject_id, "sent"), True
        return _failed(envelope, f"SMTP {code} {_text(reply)}"), code != 421


def _dot_stuffed(data: bytes) -> bytes:
    """RFC 5321 section 4.5.2: a line that starts with a period gets one more."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _failed(envelope: Envelope, reason: str) -> Outcome:
    return Outcome(envelope.subject_id, "failed", reason)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _reset(connection: smtplib.SMTP) -> bool:
    """End a refused transaction so the next envelope starts clean; False if it broke."""
    try:
        return connection.rset()[0] == 250
    except OSError:
        return False


def _quit(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except OSError:
        _close(connection)


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.close()
    except OSError:
        return
