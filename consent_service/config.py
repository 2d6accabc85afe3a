"""Configuration from the environment, read in one place (SPEC section 2).

Every command reads the same variables, so two commands started with the same environment
work on the same instance directory, database and broker.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from consent_service.adapters.signatures import InvalidPublicKey, load_public_key
from consent_service.domain.contrast import AA_NORMAL_TEXT, WHITE, contrast_ratio, parse_hex_colour
from consent_service.domain.locales import LOCALES
from consent_service.domain.purposes import EMAIL_PURPOSES
from consent_service.domain.rights_requests import (
    DEFAULT_DUE_DAYS,
    MAX_DUE_DAYS,
    MIN_DUE_DAYS,
    check_due_days,
)
from consent_service.domain.staff.groups import GroupRoles, InvalidRoleMapping, parse_group_roles
from consent_service.domain.staff.sessions import DEFAULT_IDLE_MINUTES, SessionPolicy
from consent_service.domain.transfers import url_refusal
from plumbing.metrics import MetricsPortError, metrics_port
from plumbing.production import ProductionSettingsMissing, check_production
from plumbing.secrets import MissingSecret, previous_secret_keys, secret_key
from plumbing.shop import Shop, shop_from_env


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


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default)).strip()
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number.")
    return int(raw)


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    if not raw.isdigit() or int(raw) == 0:
        raise ConfigError(f"{name} must be a positive whole number of days.")
    return int(raw)


def _request_due_days(env: Mapping[str, str]) -> int:
    """CONSENT_REQUEST_DUE_DAYS: the days a data-subject request has for its answer."""
    name = "CONSENT_REQUEST_DUE_DAYS"
    raw = env.get(name, str(DEFAULT_DUE_DAYS)).strip()
    try:
        return check_due_days(int(raw) if raw.isdigit() else -1)
    except ValueError:
        raise ConfigError(
            f"{name} must be a whole number of days from {MIN_DUE_DAYS} to {MAX_DUE_DAYS}."
        ) from None


def _seconds(env: Mapping[str, str], name: str, default: int) -> float:
    raw = env.get(name, str(default)).strip()
    if not raw.isdigit() or int(raw) == 0:
        raise ConfigError(f"{name} must be a positive whole number of seconds.")
    return float(raw)


def _minutes(env: Mapping[str, str], name: str, default: int) -> timedelta:
    raw = env.get(name, str(default))
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number of minutes.")
    return timedelta(minutes=int(raw))


def _rate_limit(env: Mapping[str, str]) -> str | None:
    raw = env.get("PUBLIC_RATE_LIMIT", "60/minute").strip()
    if raw == "0":
        return None
    if not _RATE.fullmatch(raw):
        raise ConfigError(
            "PUBLIC_RATE_LIMIT must look like '60/minute' (second, minute, hour, day) or be 0."
        )
    return raw


_RATE = re.compile(r"[1-9][0-9]*\s*/\s*(second|minute|hour|day)")


def _webhook_public_key(env: Mapping[str, str]) -> str | None:
    """SendGrid's verification key, checked now: a typo would otherwise refuse every event."""
    raw = env.get("SENDGRID_WEBHOOK_PUBLIC_KEY", "").strip()
    if not raw:
        return None
    try:
        load_public_key(raw)
    except InvalidPublicKey as error:
        raise ConfigError(f"SENDGRID_WEBHOOK_PUBLIC_KEY: {error}") from None
    return raw


NO_SHOP = Shop("", "")


@dataclass(frozen=True)
class Branding:
    """How the public pages look: the shop's name, logo and main colour (docs/pages.md).

    Outside production an unset name is the example shop's (plumbing/shop.py).
    """

    name: str = ""
    logo: Path | None = None
    colour: str = "#1f5f8b"


def _branding(env: Mapping[str, str], shop: Shop) -> Branding:
    colour = env.get("CONSENT_BRAND_COLOUR") or Branding.colour
    try:
        rgb = parse_hex_colour(colour)
    except ValueError as error:
        raise ConfigError(f"CONSENT_BRAND_COLOUR: {error}.") from None
    if contrast_ratio(rgb, WHITE) < AA_NORMAL_TEXT:
        raise ConfigError(
            f"CONSENT_BRAND_COLOUR {colour} is too light for white text and links on white "
            f"(contrast {contrast_ratio(rgb, WHITE):.2f}:1, WCAG AA needs {AA_NORMAL_TEXT}:1)."
        )
    logo = env.get("CONSENT_BRAND_LOGO")
    logo_path = Path(logo).expanduser().resolve() if logo else None
    if logo_path is not None and logo_path.suffix.lower() not in LOGO_TYPES:
        raise ConfigError(f"CONSENT_BRAND_LOGO must be one of {', '.join(LOGO_TYPES)}.")
    if logo_path is not None and not logo_path.is_file():
        raise ConfigError(f"CONSENT_BRAND_LOGO {logo_path} is not a file.")
    return Branding(
        name=shop.name,
        logo=logo_path,
        colour="#" + colour.strip().lstrip("#").lower(),
    )


LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".webp": "image/webp"}


@dataclass(frozen=True)
class Contacts:
    """Whom a person can write to: the shop (controller) and the data-protection authority.

    The authority defaults to the Kyrgyz State Agency for Personal Data Protection; its name
    is then shown in the page's language. A shop elsewhere names its own authority.
    """

    controller: str = ""
    authority_name: str | None = None
    authority_url: str = "https://dpa.gov.kg/"


def _contacts(env: Mapping[str, str], shop: Shop) -> Contacts:
    return Contacts(
        controller=shop.contact,
        authority_name=env.get("CONSENT_AUTHORITY_NAME", "").strip() or None,
        authority_url=env.get("CONSENT_AUTHORITY_URL", "").strip() or Contacts.authority_url,
    )


@dataclass(frozen=True)
class SingleSignOn:
    """The console's OpenID Connect provider (decision 0028): who it is, the client the
    registry is at it, and which of its groups give which roles."""

    issuer: str
    client_id: str
    client_secret: str
    group_roles: GroupRoles


@dataclass(frozen=True)
class ConsoleSettings:
    """How people sign in to the console (SPEC section 9)."""

    sessions: SessionPolicy = field(default_factory=SessionPolicy)
    local_login: bool = True
    second_factor_required: bool = False
    single_sign_on: SingleSignOn | None = None
    test_recipients: frozenset[str] = frozenset()
    """Addresses besides the active staff's that may get a campaign's test email, casefolded."""


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if raw not in ("0", "1"):
        raise ConfigError(f"{name} must be 1 (on) or 0 (off).")
    return raw == "1"


def _single_sign_on(env: Mapping[str, str], production: bool) -> SingleSignOn | None:
    try:
        group_roles = parse_group_roles(env.get("CONSOLE_OIDC_ROLES", ""))
    except InvalidRoleMapping as error:
        raise ConfigError(str(error)) from None
    # exactly as the provider writes it (some end in a slash): ID tokens must name it so
    issuer = env.get("CONSOLE_OIDC_ISSUER", "").strip()
    if not issuer:
        return None
    refusal = url_refusal(issuer, production=production)
    if refusal is None and ("?" in issuer or "#" in issuer):
        refusal = "it must not have a query or a fragment"
    if refusal is not None:
        raise ConfigError(f"CONSOLE_OIDC_ISSUER {issuer}: {refusal}.")
    client_id = env.get("CONSOLE_OIDC_CLIENT_ID", "").strip()
    client_secret = env.get("CONSOLE_OIDC_CLIENT_SECRET", "").strip()
    if not client_id or not client_secret:
        raise ConfigError(
            "CONSOLE_OIDC_ISSUER needs CONSOLE_OIDC_CLIENT_ID and CONSOLE_OIDC_CLIENT_SECRET."
        )
    if not group_roles:
        raise ConfigError(
            "CONSOLE_OIDC_ROLES must map at least one group to a role (e.g. mkt=marketing) "
            "when CONSOLE_OIDC_ISSUER is set; otherwise single sign-on would let nobody in."
        )
    return SingleSignOn(issuer, client_id, client_secret, group_roles)


def _console(env: Mapping[str, str], production: bool) -> ConsoleSettings:
    raw_idle = env.get("CONSOLE_SESSION_IDLE_MINUTES", str(DEFAULT_IDLE_MINUTES)).strip()
    try:
        sessions = SessionPolicy(idle=timedelta(minutes=int(raw_idle)))
    except ValueError as error:
        raise ConfigError(f"CONSOLE_SESSION_IDLE_MINUTES {raw_idle!r}: {error}") from None
    single_sign_on = _single_sign_on(env, production)
    local_login = _switch(env, "CONSOLE_LOCAL_LOGIN", True)
    if not local_login and single_sign_on is None:
        raise ConfigError("CONSOLE_LOCAL_LOGIN=0 needs CONSOLE_OIDC_ISSUER: nobody could sign in.")
    return ConsoleSettings(
        sessions=sessions,
        local_login=local_login,
        second_factor_required=_switch(env, "CONSOLE_REQUIRE_2FA", False),
        single_sign_on=single_sign_on,
        test_recipients=_test_recipients(env),
    )


def _test_recipients(env: Mapping[str, str]) -> frozenset[str]:
    raw = env.get("CONSOLE_TEST_RECIPIENTS", "")
    addresses = [a.strip() for a in raw.split(",") if a.strip()]
    malformed = [a for a in addresses if "@" not in a.strip("@") or any(c.isspace() for c in a)]
    if malformed:
        raise ConfigError(f"CONSOLE_TEST_RECIPIENTS: not an email address: {malformed[0]!r}.")
    return frozenset(a.casefold() for a in addresses)


def _metrics_port(env: Mapping[str, str], name: str) -> int | None:
    try:
        return metrics_port(env, name)
    except MetricsPortError as error:
        raise ConfigError(str(error)) from None


@dataclass(frozen=True)
class Settings:
    instance_dir: Path
    env: str
    database_url: str
    broker_url: str | None
    secret_key: str
    public_base_url: str
    default_locale: str
    double_opt_in: frozenset[str]
    max_body_bytes: int
    relay_batch_size: int = 2000
    relay_metrics_port: int | None = None
    """Where `consent relay` serves its metrics (CONSENT_RELAY_METRICS_PORT); None: nowhere."""
    retention_pending: timedelta = timedelta(days=30)
    """Pending consents never confirmed for this long are withdrawn (`consent purge`)."""
    retention_inactive: timedelta = timedelta(days=730)
    """Subjects with no granted consent and no change for this long are erased."""
    checkpoint_interval: timedelta = timedelta(minutes=10)
    schedule_grace: timedelta = timedelta(minutes=60)
    previous_secret_keys: tuple[str, ...] = ()
    confirm_token_max_age: timedelta = timedelta(days=7)
    public_rate_limit: str | None = "60/minute"
    rate_limit_storage: str = "memory://"
    branding: Branding = Branding()
    contacts: Contacts = Contacts()
    trusted_proxies: int = 0
    export_timeout: float = 10.0
    request_due_days: int = DEFAULT_DUE_DAYS
    """Calendar days a data-subject request has for its answer (CONSENT_REQUEST_DUE_DAYS)."""
    """Seconds an export waits for the mailer's part before answering 503 (decision 0013)."""
    sendgrid_webhook_public_key: str | None = None
    console: ConsoleSettings = ConsoleSettings()
    shop: Shop = NO_SHOP
    """Who the shop is (plumbing/shop.py): the default email layout is made of it."""

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_embedded_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        try:
            check_production(env, sends_email=False)
        except ProductionSettingsMissing as missing:
            raise ConfigError(str(missing)) from None
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
            broker_url=env.get("BROKER_URL") or None,
            secret_key=_secret_key(env, instance, production),
            public_base_url=(env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            default_locale=locale,
            double_opt_in=_double_opt_in(env),
            retention_pending=timedelta(
                days=_days(
                    env,
                    "CONSENT_RETENTION_PENDING_DAYS",
                    int(env.get("CONSENT_PENDING_TTL_DAYS", "30")),
                )
            ),
            retention_inactive=timedelta(days=_days(env, "CONSENT_RETENTION_INACTIVE_DAYS", 730)),
            max_body_bytes=int(env.get("CONSENT_MAX_BODY_BYTES", str(64 * 1024))),
            relay_batch_size=int(env.get("CONSENT_RELAY_BATCH_SIZE", "2000")),
            relay_metrics_port=_metrics_port(env, "CONSENT_RELAY_METRICS_PORT"),
            checkpoint_interval=timedelta(
                seconds=int(env.get("CONSENT_CHECKPOINT_INTERVAL", "600"))
            ),
            schedule_grace=_minutes(env, "CONSENT_SCHEDULE_GRACE_MINUTES", 60),
            previous_secret_keys=previous_secret_keys(env),
            confirm_token_max_age=timedelta(days=_days(env, "CONSENT_CONFIRM_TOKEN_DAYS", 7)),
            public_rate_limit=_rate_limit(env),
            rate_limit_storage=env.get("PUBLIC_RATE_LIMIT_STORAGE") or "memory://",
            branding=_branding(env, shop_from_env(env)),
            contacts=_contacts(env, shop_from_env(env)),
            trusted_proxies=_count(env, "CONSENT_TRUSTED_PROXIES", 0),
            export_timeout=_seconds(env, "CONSENT_EXPORT_TIMEOUT", 10),
            request_due_days=_request_due_days(env),
            sendgrid_webhook_public_key=_webhook_public_key(env),
            console=_console(env, production),
            shop=shop_from_env(env),
        )
