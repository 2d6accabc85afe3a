"""The mailer's settings from the environment, read in one place (SPEC section 2).

The mailer reads the same `CONSENT_INSTANCE_DIR` as the registry, so `consent` and `mailer`
commands started with one environment share one embedded broker; its database is its own.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_REGISTRY_URL = "http://127.0.0.1:8000"
DEFAULT_CATCHUP_INTERVAL = 60.0


class ConfigError(Exception):
    """A setting is missing or malformed; the worker should not start."""


def database_url(raw: str) -> str:
    """Accept a plain postgresql:// URL and drive it with psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _registry_url(raw: str) -> str:
    if urlsplit(raw).scheme not in ("http", "https"):
        raise ConfigError("MAILER_REGISTRY_URL must be an http or https URL.")
    return raw.rstrip("/")


def _interval(raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigError("MAILER_CATCHUP_INTERVAL must be a number of seconds.") from None
    if not seconds > 0:
        raise ConfigError("MAILER_CATCHUP_INTERVAL must be positive.")
    return seconds


@dataclass(frozen=True)
class MailerSettings:
    instance_dir: Path
    database_url: str
    broker_url: str | None = field(repr=False)
    registry_url: str
    registry_key: str | None = field(repr=False)
    catchup_interval: float

    @property
    def embedded_broker(self) -> bool:
        """No BROKER_URL: kombu's filesystem transport under `<instance>/broker/`."""
        return self.broker_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "MailerSettings":
        env = os.environ if env is None else env
        instance = Path(env.get("CONSENT_INSTANCE_DIR") or "./instance").expanduser().resolve()
        return cls(
            instance_dir=instance,
            database_url=database_url(
                env.get("MAILER_DATABASE_URL") or f"sqlite:///{instance / 'mailer.db'}"
            ),
            broker_url=env.get("BROKER_URL") or None,
            registry_url=_registry_url(env.get("MAILER_REGISTRY_URL") or DEFAULT_REGISTRY_URL),
            registry_key=env.get("MAILER_REGISTRY_KEY") or None,
            catchup_interval=_interval(
                env.get("MAILER_CATCHUP_INTERVAL") or str(DEFAULT_CATCHUP_INTERVAL)
            ),
        )
