"""Configuration from the environment, read in one place (SPEC section 2).

Every command reads the same variables, so two commands started with the same environment
work on the same instance directory, database and broker.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from consent_service.domain.locales import LOCALES
from consent_service.domain.purposes import EMAIL_PURPOSES
from plumbing.secrets import MissingSecret, secret_key


class ConfigError(Exception):
    """A setting is missing or malformed; the process should not start."""


def _instance_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("CONSENT_INSTANCE_DIR", "./instance")).expanduser().resolve()


def _secret_key(env: Mapping[str, str], instance: Path, production: bool) -> str:
    try:
        return secret_key(env, instance, production=production)
    except MissingSecret as missing:
        raise ConfigError(str(missing)) from None


def database_url(raw: str) -> str:
    """Accept a plain postgresql:// URL and drive it with psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _double_opt_in(env: Mapping[str, str]) -> frozenset[str]:
    raw = env.get("CONSENT_DOUBLE_OPT_IN")
    if raw is None:
        return EMAIL_PURPOSES
    chosen = frozenset(p.strip() for p in raw.split(",") if p.strip())
    unknown = chosen - EMAIL_PURPOSES
    if unknown:
        raise ConfigError(f"CONSENT_DOUBLE_OPT_IN names non-email purposes: {sorted(unknown)}")
    return chosen


def _minutes(env: Mapping[str, str], name: str, default: int) -> timedelta:
    raw = env.get(name, str(default))
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number of minutes.")
    return timedelta(minutes=int(raw))


@dataclass(frozen=True)
class Settings:
    instance_dir: Path
    env: str
    database_url: str
    mailer_database_url: str
    broker_url: str | None
    secret_key: str
    public_base_url: str
    default_locale: str
    double_opt_in: frozenset[str]
    pending_ttl: timedelta
    max_body_bytes: int
    relay_batch_size: int = 2000
    checkpoint_interval: timedelta = timedelta(minutes=10)
    schedule_grace: timedelta = timedelta(minutes=60)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_embedded_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        instance = _instance_dir(env)
        production = env.get("CONSENT_ENV", "development") == "production"
        locale = env.get("DEFAULT_LOCALE", "ky")
        if locale not in LOCALES:
            raise ConfigError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}.")
        return cls(
            instance_dir=instance,
            env="production" if production else env.get("CONSENT_ENV", "development"),
            database_url=database_url(
                env.get("CONSENT_DATABASE_URL") or f"sqlite:///{instance / 'consent.db'}"
            ),
            mailer_database_url=database_url(
                env.get("MAILER_DATABASE_URL") or f"sqlite:///{instance / 'mailer.db'}"
            ),
            broker_url=env.get("BROKER_URL") or None,
            secret_key=_secret_key(env, instance, production),
            public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            default_locale=locale,
            double_opt_in=_double_opt_in(env),
            pending_ttl=timedelta(days=int(env.get("CONSENT_PENDING_TTL_DAYS", "30"))),
            max_body_bytes=int(env.get("CONSENT_MAX_BODY_BYTES", str(64 * 1024))),
            relay_batch_size=int(env.get("CONSENT_RELAY_BATCH_SIZE", "2000")),
            checkpoint_interval=timedelta(
                seconds=int(env.get("CONSENT_CHECKPOINT_INTERVAL", "600"))
            ),
            schedule_grace=_minutes(env, "CONSENT_SCHEDULE_GRACE_MINUTES", 60),
        )
