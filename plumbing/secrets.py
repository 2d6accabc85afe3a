"""The signing secret both parts share: from the environment, or one file in the instance.

The registry verifies the links the mailer signs (and the other way round), so with no
`CONSENT_SECRET_KEY` both must find the same generated key: whichever process comes first
creates `<instance>/secret_key` exclusively, every other one reads it.
"""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from plumbing.files import private_directory


class MissingSecret(Exception):
    """Production needs an explicit CONSENT_SECRET_KEY."""


def secret_key(env: Mapping[str, str], instance: Path, *, production: bool) -> str:
    if env.get("CONSENT_SECRET_KEY"):
        return env["CONSENT_SECRET_KEY"]
    if production:
        raise MissingSecret("CONSENT_SECRET_KEY is required when CONSENT_ENV=production.")
    key_file = instance / "secret_key"
    if not key_file.exists():
        private_directory(instance)
        # Written whole under another name, then linked into place: a second process never
        # reads a half-written key, and only the first link wins.
        draft = instance / f".secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def previous_secret_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    """Keys that signed links still in people's inboxes (`CONSENT_PREVIOUS_SECRET_KEYS`).

    Comma-separated, any order; they only verify, never sign.
    """
    raw = env.get("CONSENT_PREVIOUS_SECRET_KEYS", "")
    return tuple(key.strip() for key in raw.split(",") if key.strip())
