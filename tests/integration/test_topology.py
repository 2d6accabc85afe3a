"""The RabbitMQ topology: the definitions file, pika-based apply/check, and kombu agreeing."""

import json
from pathlib import Path

from consent_service.adapters import rabbitmq_admin
from consent_service.adapters.broker import Publisher
from schemas.messages import topology
from tests.processes import ROOT, consent_cli


def test_the_deploy_definitions_file_is_the_topology_the_code_declares() -> None:
    committed = json.loads((ROOT / "deploy" / "rabbitmq-definitions.json").read_text())
    assert committed == rabbitmq_admin.definitions()
    mailer_queue = next(q for q in committed["queues"] if q["name"] == topology.MAILER_QUEUE)
    assert mailer_queue["arguments"]["x-queue-type"] == "quorum"
    assert mailer_queue["arguments"]["x-delivery-limit"] == topology.DELIVERY_LIMIT
    assert mailer_queue["arguments"]["x-dead-letter-exchange"] == topology.DEAD_LETTER_EXCHANGE


def test_check_reports_a_missing_topology_and_apply_creates_it(
    rabbitmq_url, tmp_path: Path
) -> None:
    environ = {"CONSENT_INSTANCE_DIR": str(tmp_path), "BROKER_URL": rabbitmq_url}
    missing = consent_cli(environ, "topology", "check")
    assert missing.returncode == 1
    assert f"queue {topology.MAILER_QUEUE}" in missing.stdout
    assert consent_cli(environ, "topology", "apply").returncode == 0
    complete = consent_cli(environ, "topology", "check")
    assert complete.returncode == 0, complete.stdout


def test_kombu_declares_the_same_queue_arguments_as_the_definitions(rabbitmq_url, tmp_path) -> None:
    """Applied first with pika, then declared again by the relay with kombu: no conflict."""
    rabbitmq_admin.apply(rabbitmq_url)
    publisher = Publisher(rabbitmq_url, tmp_path)
    assert publisher.publish([]) == []
    publisher.close()
    assert rabbitmq_admin.check(rabbitmq_url) == []
