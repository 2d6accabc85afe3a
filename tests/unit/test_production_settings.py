"""`CONSENT_ENV=production` refuses to start until every setting it needs is fit, and names
each unfit one in the same message (registry and mailer alike)."""

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.config import ConfigError, Settings
from mailer.config import ConfigError as MailerConfigError
from mailer.config import MailerSettings

FIT = {
    "CONSENT_ENV": "production",
    "CONSENT_SECRET_KEY": "a-long-production-secret",
    "PUBLIC_BASE_URL": "https://consent.ayu.kg",
    "CONSENT_BRAND_NAME": "Аю Дүкөн",
    "CONSENT_CONTROLLER_CONTACT": "privacy@ayu.kg, Бишкек",
    "CONSENT_LEGAL_NAME": "Ayu Dukon LLC",
    "CONSENT_POSTAL_ADDRESS": "Бишкек ш., Чүй пр. 1",
    "MAILER_FROM": "Аю Дүкөн <news@ayu.kg>",
    "CONSENT_DATABASE_URL": "postgresql://consent@db/consent",
    "MAILER_DATABASE_URL": "postgresql://consent@db/consent",
}
REGISTRY_NEEDS = (
    "CONSENT_SECRET_KEY",
    "PUBLIC_BASE_URL",
    "CONSENT_BRAND_NAME",
    "CONSENT_CONTROLLER_CONTACT",
    "CONSENT_LEGAL_NAME",
    "CONSENT_POSTAL_ADDRESS",
)
MAILER_NEEDS = (*REGISTRY_NEEDS, "MAILER_FROM")

blank = st.sampled_from(["", " ", "\t"])
example_domain = st.one_of(
    st.sampled_from(["localhost", "example.com", "example.org", "example.net", "example.kg"]),
    st.builds(
        "{}.{}".format,
        st.text(alphabet="abcxyz0189-", min_size=1, max_size=10),
        st.sampled_from(["example", "test", "invalid", "localhost", "local", "example.kg"]),
    ),
)
UNFIT = {
    "CONSENT_SECRET_KEY": blank,
    "CONSENT_BRAND_NAME": blank,
    "CONSENT_CONTROLLER_CONTACT": blank,
    "CONSENT_LEGAL_NAME": blank,
    "CONSENT_POSTAL_ADDRESS": blank,
    "PUBLIC_BASE_URL": st.one_of(
        blank,
        st.builds("http://{}".format, st.sampled_from(["ayu.kg", "127.0.0.1:8000", "localhost"])),
        st.sampled_from(["https://", "ayu.kg", "ftp://ayu.kg", "https:///path", "https://[::1"]),
    ),
    "MAILER_FROM": st.one_of(
        blank,
        st.builds("no-reply@{}".format, example_domain),
        st.builds("Shop <news@{}>".format, example_domain),
        st.sampled_from(["no-reply", "@ayu.kg", "news@", "news@[127.0.0.1]", "news@mailhost"]),
    ),
}


@st.composite
def broken_environments(draw, needs: tuple[str, ...]) -> tuple[dict[str, str], set[str]]:
    """A production environment with some of `needs` unset or unfit, and which ones."""
    broken = draw(st.sets(st.sampled_from(needs), min_size=1))
    env = dict(FIT)
    for name in broken:
        value = draw(st.one_of(st.none(), UNFIT[name]))
        if value is None:
            del env[name]
        else:
            env[name] = value
    return env, broken


def named(message: str, candidates: tuple[str, ...]) -> set[str]:
    """The settings a refusal names (each item starts with its variable's name)."""
    return {name for name in candidates if re.search(rf"(: |; ){name} ", message)}


@given(broken_environments(REGISTRY_NEEDS))
def test_the_registry_names_every_unfit_production_setting_at_once(case) -> None:
    env, broken = case
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env | {"CONSENT_INSTANCE_DIR": "/nonexistent/instance"})
    assert named(str(refused.value), REGISTRY_NEEDS) == broken


@given(broken_environments(MAILER_NEEDS))
def test_the_mailer_names_every_unfit_production_setting_at_once(case) -> None:
    env, broken = case
    with pytest.raises(MailerConfigError) as refused:
        MailerSettings.from_env(env | {"CONSENT_INSTANCE_DIR": "/nonexistent/instance"})
    assert named(str(refused.value), MAILER_NEEDS) == broken


def test_a_fit_production_environment_starts_both_parts(tmp_path: Path) -> None:
    env = FIT | {"CONSENT_INSTANCE_DIR": str(tmp_path)}
    assert Settings.from_env(env).production
    assert MailerSettings.from_env(env).sending.sender == FIT["MAILER_FROM"]
    assert not any(tmp_path.iterdir())  # nothing was generated in the instance


def test_development_needs_none_of_it(tmp_path: Path) -> None:
    env = {"CONSENT_INSTANCE_DIR": str(tmp_path)}
    assert not Settings.from_env(env).production
    assert MailerSettings.from_env(env).sending.sender
