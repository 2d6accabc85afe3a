"""The mailer's settings from the environment, read in one place (SPEC section 2).

The mailer reads the same `CONSENT_INSTANCE_DIR` as the registry, so `consent` and `mailer`
commands started with one environment share one embedded broker; its database is its own.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from plumbing.metrics import MetricsPortError, metrics_port
from plumbing.production import ProductionSettingsMissing, check_production
from plumbing.secrets import MissingSecret, secret_key
from plumbing.shop import EXAMPLE_SHOP_SENDER, Shop, example_or, shop_from_env
from plumbing.vocabulary import LOCALES

DEFAULT_REGISTRY_URL = "http://127.0.0.1:8000"
DEFAULT_CATCHUP_INTERVAL = 60.0
BACKENDS = ("file", "smtp", "sendgrid")
DEFAULT_SENDER = "no-reply@localhost"
"""MAILER_FROM left unset in production: never a real sender (docs/decisions/0021)."""


class ConfigError(Exception):
    """A setting is missing or malformed; the worker should not start."""


def instance_dir(env: Mapping[str, str]) -> Path:
    """`CONSENT_INSTANCE_DIR`, shared with the registry: the embedded broker, the outbox."""
    return Path(env.get("CONSENT_INSTANCE_DIR") or "./instance").expanduser().resolve()


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


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a positive whole number.")
    return int(raw)


def _send_rate(raw: str) -> float:
    try:
        rate = float(raw)
    except ValueError:
        raise ConfigError("MAILER_SEND_RATE must be a number of emails per second.") from None
    if rate < 0:
        raise ConfigError("MAILER_SEND_RATE must not be negative (0 means no throttle).")
    return rate


def _sender(env: Mapping[str, str], shop: Shop) -> str:
    """The From header: MAILER_FROM, named after the shop unless it carries its own name."""
    raw = example_or(env, "MAILER_FROM", EXAMPLE_SHOP_SENDER) or DEFAULT_SENDER
    name, address = parseaddr(raw)
    try:
        return str(Address(display_name=name or shop.name, addr_spec=address))
    except (HeaderParseError, ValueError, IndexError):
        raise ConfigError(
            "MAILER_FROM must be an email address, optionally with a name: "
            "news@shop.kg or Shop news <news@shop.kg>."
        ) from None


@dataclass(frozen=True)
class FrequencyCap:
    """At most `emails` campaign emails per person in any rolling `period`."""

    emails: int
    period: timedelta


_CAP = re.compile(r"^(\d+)/(\d+)([hd])$")


def _frequency_cap(raw: str) -> FrequencyCap | None:
    """`N/7d` or `N/24h`; empty, `0` or `off` turns the cap off (the default)."""
    if raw.strip().lower() in ("", "0", "off"):
        return None
    match = _CAP.match(raw.strip())
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        raise ConfigError("MAILER_FREQUENCY_CAP must look like 2/7d or 1/24h, or be off.")
    unit = timedelta(days=1) if match[3] == "d" else timedelta(hours=1)
    return FrequencyCap(int(match[1]), int(match[2]) * unit)


@dataclass(frozen=True)
class SendingSettings:
    """How campaign and confirmation email leaves the mailer (SPEC sections 2 and 7)."""

    backend: str
    batch_size: int
    send_rate: float
    frequency_cap: FrequencyCap | None
    sender: str
    """The From header, e.g. `"Example Shop (demo)" <no-reply@example.org>`."""
    shop: Shop
    """Named in the emails' text: who sends them, whom to ask about personal data."""
    public_base_url: str
    default_locale: str
    secret_key: str = field(repr=False)
    sendgrid_api_key: str | None = field(repr=False)
    sendgrid_host: str | None
    smtp_url: str | None = field(repr=False)
    batch_lease: timedelta = timedelta(seconds=30)
    """How long a batch stays with a worker that stopped renewing it (a killed one)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str], instance: Path) -> "SendingSettings":
        backend = env.get("MAILER_EMAIL_BACKEND") or "file"
        if backend not in BACKENDS:
            raise ConfigError(f"MAILER_EMAIL_BACKEND must be one of {', '.join(BACKENDS)}.")
        if backend == "sendgrid" and not env.get("SENDGRID_API_KEY"):
            raise ConfigError("MAILER_EMAIL_BACKEND=sendgrid needs SENDGRID_API_KEY.")
        if backend == "smtp" and not env.get("MAILER_SMTP_URL"):
            raise ConfigError("MAILER_EMAIL_BACKEND=smtp needs MAILER_SMTP_URL.")
        locale = env.get("DEFAULT_LOCALE") or "ky"
        if locale not in LOCALES:
            raise ConfigError(f"DEFAULT_LOCALE must be one of {', '.join(LOCALES)}.")
        production = env.get("CONSENT_ENV") == "production"
        shop = shop_from_env(env)
        try:
            key = secret_key(env, instance, production=production)
        except MissingSecret as missing:
            raise ConfigError(str(missing)) from None
        return cls(
            backend=backend,
            batch_size=_positive_int(env, "MAILER_BATCH_SIZE", 1000),
            send_rate=_send_rate(env.get("MAILER_SEND_RATE") or "0"),
            frequency_cap=_frequency_cap(env.get("MAILER_FREQUENCY_CAP") or ""),
            sender=_sender(env, shop),
            shop=shop,
            public_base_url=(env.get("PUBLIC_BASE_URL") or DEFAULT_REGISTRY_URL).rstrip("/"),
            default_locale=locale,
            secret_key=key,
            sendgrid_api_key=env.get("SENDGRID_API_KEY") or None,
            sendgrid_host=env.get("SENDGRID_HOST") or None,
            smtp_url=env.get("MAILER_SMTP_URL") or None,
            batch_lease=timedelta(seconds=_positive_int(env, "MAILER_BATCH_LEASE_SECONDS", 30)),
        )


@dataclass(frozen=True)
class MailerSettings:
    instance_dir: Path
    database_url: str
    broker_url: str | None = field(repr=False)
    registry_url: str
    registry_key: str | None = field(repr=False)
    catchup_interval: float
    sending: SendingSettings
    send_ledger_retention: timedelta = timedelta(days=365)
    """Send-ledger detail of runs finished longer ago than this is deleted (counts stay)."""
    metrics_port: int | None = None
    """Where `mailer work` serves its Prometheus metrics (MAILER_METRICS_PORT); None: off."""

    @property
    def embedded_broker(self) -> bool:
        """No BROKER_URL: kombu's filesystem transport under `<instance>/broker/`."""
        return self.broker_url is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "MailerSettings":
        env = os.environ if env is None else env
        try:
            check_production(env, sends_email=True)
        except ProductionSettingsMissing as missing:
            raise ConfigError(str(missing)) from None
        instance = instance_dir(env)
        try:
            port = metrics_port(env, "MAILER_METRICS_PORT")
        except MetricsPortError as error:
            raise ConfigError(str(error)) from None
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
            sending=SendingSettings.from_env(env, instance),
            send_ledger_retention=timedelta(
                days=_positive_int(env, "MAILER_RETENTION_SEND_LEDGER_DAYS", 365)
            ),
            metrics_port=port,
        )
