"""The deployment manifests parse and point at commands and files that exist."""

import runpy
import shlex
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def console_scripts() -> set[str]:
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_copies_existing_paths_runs_unprivileged_and_checks_health() -> None:
    instructions = dockerfile_instructions()
    keywords = [k for k, _ in instructions]
    assert keywords[0] == "FROM"
    assert {"USER", "HEALTHCHECK", "EXPOSE", "CMD"} <= set(keywords)
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    for keyword, args in instructions:
        if keyword == "COPY":
            for source in shlex.split(args)[:-1]:
                assert (ROOT / source).exists(), source


def test_compose_services_run_known_commands_with_required_secrets() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "rabbitmq", "migrate", "registry"} <= set(services)
    known = console_scripts() | {"gunicorn"}
    for name, service in services.items():
        if "build" in service:
            assert (
                ROOT / "deploy" / service["build"]["context"] / service["build"]["dockerfile"]
            ).exists()
            assert service["command"][0] in known, name
    env = services["registry"]["environment"]
    assert env["CONSENT_SECRET_KEY"].startswith("${CONSENT_SECRET_KEY:?")
    assert env["CONSENT_DATABASE_URL"].startswith("postgresql://")
    assert "consent_service.wsgi:app" in services["registry"]["command"]


def test_compose_runs_every_part_and_the_mailer_can_pass_its_send_time_check() -> None:
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    commands = {name: service.get("command") for name, service in services.items()}
    assert commands["relay"] == ["consent", "relay"]
    assert commands["scheduler"] == ["consent", "scheduler"]
    assert commands["mailer"] == ["mailer", "work"]
    mailer = services["mailer"]["environment"]
    assert mailer["MAILER_REGISTRY_URL"] == "http://registry:8000"
    for secret in ("MAILER_REGISTRY_KEY", "CONSENT_SECRET_KEY", "SENDGRID_API_KEY"):
        assert mailer[secret].startswith(f"${{{secret}:?"), secret
    assert mailer["CONSENT_SECRET_KEY"] == services["registry"]["environment"]["CONSENT_SECRET_KEY"]


def test_gunicorn_config_logs_through_the_masking_json_formatter() -> None:
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    formatter = config["logconfig_dict"]["formatters"]["json"]["()"]
    assert formatter == "plumbing.logs.JsonFormatter"
    assert config["logconfig_dict"]["loggers"]["gunicorn.access"]["handlers"] == ["stderr"]


def test_compose_names_the_same_shop_in_the_pages_and_the_emails() -> None:
    """Both parts name the shop (decision 0021); neither may fall back to the example shop."""
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    for setting in (
        "CONSENT_BRAND_NAME",
        "CONSENT_CONTROLLER_CONTACT",
        "CONSENT_LEGAL_NAME",
        "CONSENT_POSTAL_ADDRESS",
    ):
        registry = services["registry"]["environment"][setting]
        assert registry.startswith(f"${{{setting}:?"), setting
        assert services["mailer"]["environment"][setting] == registry, setting
