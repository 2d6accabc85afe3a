"""`mailer work` with a campaign whose template runs away: the run fails, confirmations go on."""

import json
import uuid
from functools import partial
from pathlib import Path

from sqlalchemy import func, select

from mailer.adapters import orm
from mailer.adapters.broker import connect, registry_reports_queue
from mailer.adapters.repository import transaction
from plumbing.db import make_engine, session_factory
from tests.mailer import factories
from tests.mailer.brokers import publish, wait_until
from tests.mailer.runs import outbox, registry_stub, snapshots_of_view
from tests.mailer.test_work_command import mailer_work, recipient_in

ENDLESS_FOR_LONG_NAMES = (
    "{% if name|length > 40 %}{% for i in range(99999) %}{% for j in range(99999) %}"
    "{% endfor %}{% endfor %}{% endif %}Hello {{ unsubscribe_url }} {{ preferences_url }}"
)
"""Validation renders with a shorter sample name, so only the run meets the endless loop."""


def reports_of(broker, run_id: str) -> list[dict]:
    found = []
    with broker.clone() as conn:
        queue = registry_reports_queue(False)(conn.channel())
        while (message := queue.get(no_ack=True)) is not None:
            found.append(json.loads(message.body))
    return [report for report in found if report["run_id"] == run_id]


def test_a_runaway_template_fails_its_run_while_confirmations_are_still_sent(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "instance"
    database = instance / "mailer.db"
    broker = connect(None, instance)
    reader, newcomer = uuid.uuid4(), uuid.uuid4()
    publish(broker, factories.consent_changed(reader, 1, name="Aigul " * 10))
    engine = make_engine(f"sqlite:///{database}")
    view = partial(transaction, session_factory(engine))

    def claimed() -> int:
        query = select(func.count()).where(orm.Delivery.state == "claimed")
        with view() as store:
            return store.session.scalar(query)

    try:
        with (
            registry_stub(lambda: snapshots_of_view(view) if database.exists() else {}) as url,
            mailer_work(
                tmp_path,
                MAILER_REGISTRY_URL=url,
                MAILER_REGISTRY_KEY="ck_test",
                MAILER_CATCHUP_INTERVAL="3600",
            ) as worker,
        ):
            wait_until(lambda: recipient_in(database, reader))
            content = {"ky": {**factories.CONTENT["ky"], "text": ENDLESS_FOR_LONG_NAMES}}
            run = factories.run_requested(content=content)
            publish(broker, run)
            wait_until(claimed)  # the campaign is now rendering the reader's email
            publish(broker, factories.confirmation_requested(newcomer, 1, email="new@example.kg"))

            confirmations = wait_until(
                lambda: [w for w in outbox(instance) if w.category == "confirmation"]
            )
            reports = wait_until(
                lambda: [r for r in reports_of(broker, run["run_id"]) if r["status"] == "failed"]
            )
            lines = worker.stop()
    finally:
        engine.dispose()
    assert [(w.subject_id, w.to) for w in confirmations] == [(newcomer, "new@example.kg")]
    assert reports[-1]["reason"] == "ky.text: rendering took longer than 2 s"
    assert reports[-1]["counts"]["failed"] == 1
    assert [w for w in outbox(instance) if w.category == "campaign"] == []
    failed = [line for line in lines if line.get("event") == "run_failed"]
    assert [line["run_id"] for line in failed] == [run["run_id"]]
