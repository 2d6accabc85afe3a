"""Email backends behind one interface (`mailer.domain.outgoing.EmailBackend`).

`MAILER_EMAIL_BACKEND` picks one: `file` (the default: `.eml` files under the instance
directory), `smtp` (`MAILER_SMTP_URL`) or `sendgrid` (`SENDGRID_API_KEY`, `SENDGRID_HOST`).
The rest of the mailer never knows which one it talks to (docs/email.md).
"""

import time
from collections.abc import Callable
from pathlib import Path

from mailer.adapters.email.file import FileBackend
from mailer.adapters.email.sendgrid import SendGridBackend
from mailer.adapters.email.smtp import SmtpBackend, parse_smtp_url
from mailer.config import ConfigError, SendingSettings
from mailer.domain.outgoing import EmailBackend


def make_backend(
    sending: SendingSettings,
    instance_dir: Path,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> EmailBackend:
    """The configured backend; `sleep` is how it waits between retries (tests pass a fake)."""
    if sending.backend == "file":
        return FileBackend(instance_dir / "outbox", sending.sender)
    if sending.backend == "smtp":
        if not sending.smtp_url:
            raise ConfigError("MAILER_EMAIL_BACKEND=smtp needs MAILER_SMTP_URL.")
        return SmtpBackend(parse_smtp_url(sending.smtp_url), sending.sender, sleep=sleep)
    if sending.backend == "sendgrid":
        if not sending.sendgrid_api_key:
            raise ConfigError("MAILER_EMAIL_BACKEND=sendgrid needs SENDGRID_API_KEY.")
        return SendGridBackend(
            sending.sendgrid_api_key, sending.sender, sending.sendgrid_host, sleep=sleep
        )
    raise ConfigError(f"unknown email backend {sending.backend!r}")
