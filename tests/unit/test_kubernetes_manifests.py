"""deploy/kubernetes: valid Kubernetes objects (checked against the Kubernetes schemas by
kubernetes-validate, strictly: an unknown field is an error), running the processes the README
lists with the settings its configuration table documents, each given what production requires
and only the secrets it needs, the same topology as deploy/compose.yaml."""

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from plumbing.production import missing_settings

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "kubernetes"
KUBERNETES = "1.30"
"""The oldest Kubernetes still maintained when the manifests were written; newer ones accept
everything it does."""
PROCESSES = {
    "consent-api": "gunicorn -c deploy/gunicorn.conf.py consent_service.wsgi:app",
    "consent-relay": "consent relay",
    "consent-scheduler": "consent scheduler",
    "consent-mailer": "mailer work",
}
"""Each long-running process of the README's command table and the Deployment that runs it."""
COMPOSE_SERVICE = {
    "consent-api": "registry",
    "consent-relay": "relay",
    "consent-scheduler": "scheduler",
    "consent-mailer": "mailer",
}


def documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            found.append((path.name, document))
    return found


def objects(kind: str | None = None) -> list[dict[str, Any]]:
    """The Kubernetes objects (not the kustomization), of one kind when asked."""
    return [
        document
        for _, document in documents()
        if document["kind"] != "Kustomization" and kind in (None, document["kind"])
    ]


def by_name(kind: str) -> dict[str, dict[str, Any]]:
    return {document["metadata"]["name"]: document for document in objects(kind)}


def pods() -> dict[str, dict[str, Any]]:
    """Every pod template: the Deployments' and the migration Job's."""
    return {
        name: found["spec"]["template"]
        for kind in ("Deployment", "Job")
        for name, found in by_name(kind).items()
    }


def readme_table(heading: str) -> str:
    text = (ROOT / "README.md").read_text()
    return text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def secret_keys() -> set[str]:
    return set(by_name("Secret")["consent-secrets"]["stringData"])


def environment(container: dict[str, Any]) -> dict[str, str]:
    """What the container's process sees: the ConfigMap, its own values, and each secret it
    takes as the operator will have set it."""
    config = by_name("ConfigMap")["consent-config"]["data"]
    seen = {}
    for source in container.get("envFrom", []):
        assert source["configMapRef"]["name"] == "consent-config"
        seen.update(config)
    for variable in container.get("env", []):
        if "valueFrom" in variable:
            seen[variable["name"]] = "set by the operator"
        else:
            seen[variable["name"]] = variable["value"]
    return seen


@pytest.mark.parametrize(
    ("file", "document"),
    [
        pytest.param(f, d, id=f"{f}:{d['kind']}")
        for f, d in documents()
        if d["kind"] != "Kustomization"
    ],
)
def test_every_manifest_is_a_valid_kubernetes_object(file: str, document: dict) -> None:
    assert kubernetes_validate.validate(document, KUBERNETES, strict=True) == KUBERNETES


def test_the_validation_refuses_what_kubernetes_would() -> None:
    """The check above can fail: a wrong type and an unknown field are both refused."""
    deployment = by_name("Deployment")["consent-api"]
    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "two"
    unknown_field = copy.deepcopy(deployment)
    unknown_field["spec"]["template"]["spec"]["containers"][0]["probe"] = {}
    for broken in (wrong_type, unknown_field):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_the_kustomization_applies_every_manifest_but_the_secret() -> None:
    [kustomization] = [d for _, d in documents() if d["kind"] == "Kustomization"]
    files = {path.name for path in MANIFESTS.glob("*.yaml")}
    assert set(kustomization["resources"]) == files - {"kustomization.yaml", "secret.yaml"}
    images = {image["name"] for image in kustomization["images"]}
    for pod in pods().values():
        assert {c["image"] for c in pod["spec"]["containers"]} <= images


def test_every_long_running_process_of_the_readme_runs_as_a_deployment() -> None:
    commands = readme_table("Commands")
    deployments = by_name("Deployment")
    assert set(deployments) == set(PROCESSES)
    for name, command in PROCESSES.items():
        assert f"| `{command}" in commands, command
        [container] = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert " ".join(container["command"]) == command


def test_compose_runs_the_same_processes() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    for name, service in COMPOSE_SERVICE.items():
        [container] = by_name("Deployment")[name]["spec"]["template"]["spec"]["containers"]
        assert compose[service]["command"] == container["command"]
    [migrate] = by_name("Job")["consent-migrate"]["spec"]["template"]["spec"]["containers"]
    assert compose["migrate"]["command"] == migrate["command"]


def test_every_setting_given_is_documented_in_the_readme() -> None:
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme_table("Configuration")))
    given = secret_keys() | set(by_name("ConfigMap")["consent-config"]["data"])
    for pod in pods().values():
        for container in pod["spec"]["containers"]:
            given |= {variable["name"] for variable in container.get("env", [])}
    assert given - documented == set()


@pytest.mark.parametrize("name", sorted(pods()))
def test_each_process_is_given_what_production_requires_and_only_its_secrets(name: str) -> None:
    [container] = pods()[name]["spec"]["containers"]
    seen = environment(container)
    assert seen["CONSENT_ENV"] == "production"
    assert missing_settings(seen, sends_email=name == "consent-mailer") == []
    taken = {
        variable["valueFrom"]["secretKeyRef"]["key"]
        for variable in container.get("env", [])
        if "valueFrom" in variable
    }
    assert taken <= secret_keys()
    if name == "consent-mailer":
        assert "CONSENT_DATABASE_URL" not in taken, "the mailer asks the API, never its database"
        assert {"MAILER_DATABASE_URL", "MAILER_REGISTRY_KEY", "SENDGRID_API_KEY"} <= taken
    else:
        assert "CONSENT_DATABASE_URL" in taken
        assert "SENDGRID_API_KEY" not in taken, "only the mailer talks to SendGrid"


def test_the_api_is_probed_on_its_health_routes_through_a_port_it_declares() -> None:
    [container] = by_name("Deployment")["consent-api"]["spec"]["template"]["spec"]["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["startupProbe"]["httpGet"]["port"] in ports
    [service_port] = by_name("Service")["consent-api"]["spec"]["ports"]
    assert service_port["targetPort"] in ports
    config = by_name("ConfigMap")["consent-config"]["data"]
    assert config["MAILER_REGISTRY_URL"] == f"http://consent-api:{service_port['port']}"


def test_autoscalers_and_disruption_budgets_point_at_the_deployments() -> None:
    deployments = by_name("Deployment")
    scaled = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in objects("HorizontalPodAutoscaler")}
    assert scaled == {"consent-api", "consent-mailer"}
    budgets = objects("PodDisruptionBudget")
    covered = set()
    for budget in budgets:
        labels = budget["spec"]["selector"]["matchLabels"]
        matching = [
            name
            for name, found in deployments.items()
            if labels.items() <= found["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matching) == 1, labels
        covered |= set(matching)
        assert budget["spec"]["minAvailable"] < deployments[matching[0]]["spec"]["replicas"]
    assert covered == {"consent-api", "consent-relay", "consent-mailer"}
    for name, found in deployments.items():
        labels = found["spec"]["template"]["metadata"]["labels"]
        assert found["spec"]["selector"]["matchLabels"].items() <= labels.items(), name


@pytest.mark.parametrize("name", sorted(pods()))
def test_every_process_runs_unprivileged_on_a_read_only_root(name: str) -> None:
    pod = pods()[name]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert (
        f"USER {pod['securityContext']['runAsUser']}"
        in (ROOT / "deploy" / "Dockerfile").read_text()
    )
    for container in pod["containers"]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        mounted = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert {"/tmp", environment(container)["CONSENT_INSTANCE_DIR"]} <= mounted
        assert "memory" in container["resources"]["limits"]


METRICS_PORT_SETTING = {
    "consent-relay": "CONSENT_RELAY_METRICS_PORT",
    "consent-mailer": "MAILER_METRICS_PORT",
}


@pytest.mark.parametrize("name", ["consent-api", "consent-relay", "consent-mailer"])
def test_prometheus_scrapes_each_process_on_the_port_it_serves_metrics_on(name: str) -> None:
    template = by_name("Deployment")[name]["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    [container] = template["spec"]["containers"]
    ports = {port["containerPort"] for port in container["ports"]}
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) in ports
    if name in METRICS_PORT_SETTING:
        served = environment(container)[METRICS_PORT_SETTING[name]]
        assert served == annotations["prometheus.io/port"]
