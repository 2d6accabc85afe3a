"""The console's settings are checked at start-up: a malformed one stops the registry with a
message naming it, instead of a console nobody can sign in to."""

import pytest

from consent_service.config import ConfigError, Settings
from tests.processes import consent_cli, free_port

BASE = {"CONSENT_SECRET_KEY": "test-secret"}
PROVIDER = {
    "CONSOLE_OIDC_ISSUER": "https://id.shop.example/realms/staff",
    "CONSOLE_OIDC_CLIENT_ID": "consent-console",
    "CONSOLE_OIDC_CLIENT_SECRET": "s3cret",
    "CONSOLE_OIDC_ROLES": "mkt=marketing,dpo=privacy,dpo=support",
}


def test_the_defaults_are_local_login_thirty_minutes_and_no_second_factor() -> None:
    console = Settings.from_env(BASE).console

    assert console.local_login is True
    assert console.second_factor_required is False
    assert console.sessions.idle.total_seconds() == 30 * 60
    assert console.single_sign_on is None


def test_a_provider_with_its_groups() -> None:
    single_sign_on = Settings.from_env(BASE | PROVIDER).console.single_sign_on

    assert single_sign_on.issuer == "https://id.shop.example/realms/staff"
    assert {
        group: {role.name for role in roles} for group, roles in single_sign_on.group_roles.items()
    } == {
        "mkt": {"marketing"},
        "dpo": {"privacy", "support"},
    }


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"CONSOLE_OIDC_ROLES": "mkt=marketing,dpo"}, "'dpo' is not group=role"),
        ({"CONSOLE_OIDC_ROLES": "mkt=boss"}, "Unknown role 'boss'"),
        (PROVIDER | {"CONSOLE_OIDC_ROLES": ""}, "CONSOLE_OIDC_ROLES must map"),
        (PROVIDER | {"CONSOLE_OIDC_CLIENT_SECRET": ""}, "CONSOLE_OIDC_CLIENT_SECRET"),
        (PROVIDER | {"CONSOLE_OIDC_ISSUER": "http://id.shop.example"}, "loopback"),
        (PROVIDER | {"CONSOLE_OIDC_ISSUER": "https://id.shop.example/?x=1"}, "query"),
        ({"CONSOLE_LOCAL_LOGIN": "0"}, "CONSOLE_LOCAL_LOGIN=0 needs CONSOLE_OIDC_ISSUER"),
        ({"CONSOLE_LOCAL_LOGIN": "no"}, "CONSOLE_LOCAL_LOGIN must be 1 (on) or 0 (off)"),
        ({"CONSOLE_REQUIRE_2FA": "yes"}, "CONSOLE_REQUIRE_2FA must be 1"),
        ({"CONSOLE_SESSION_IDLE_MINUTES": "0"}, "CONSOLE_SESSION_IDLE_MINUTES"),
        ({"CONSOLE_SESSION_IDLE_MINUTES": "721"}, "at most 12:00:00"),
        ({"CONSOLE_SESSION_IDLE_MINUTES": "half an hour"}, "CONSOLE_SESSION_IDLE_MINUTES"),
    ],
)
def test_a_malformed_console_setting_is_refused_by_name(settings, named) -> None:
    with pytest.raises(ConfigError, match=named.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(BASE | settings)


def test_the_registry_does_not_start_on_a_malformed_role_mapping(tmp_path) -> None:
    environ = BASE | {
        "CONSENT_INSTANCE_DIR": str(tmp_path),
        "CONSOLE_OIDC_ROLES": "mkt=marketing,dpo",
    }

    served = consent_cli(environ, "serve", "--port", str(free_port()))

    assert served.returncode != 0
    assert "CONSOLE_OIDC_ROLES: 'dpo' is not group=role" in served.stderr


def test_test_recipients_are_read_casefolded_and_a_malformed_one_stops_the_registry() -> None:
    settings = {"CONSOLE_TEST_RECIPIENTS": " QA@Agency.example , boss@shop.example.kg,"}
    console = Settings.from_env(BASE | settings).console
    assert console.test_recipients == {"qa@agency.example", "boss@shop.example.kg"}
    assert Settings.from_env(BASE).console.test_recipients == frozenset()
    with pytest.raises(ConfigError, match="CONSOLE_TEST_RECIPIENTS"):
        Settings.from_env(BASE | {"CONSOLE_TEST_RECIPIENTS": "qa@agency.example,not-an-address"})
