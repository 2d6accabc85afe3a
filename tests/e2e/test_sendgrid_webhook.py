"""`POST /v1/webhooks/sendgrid`: deliveries signed exactly as SendGrid signs them, with a real
ECDSA P-256 key pair made here; suppressions and withdrawals, each proved in the ledger and
announced to the mailer; refused and unreadable deliveries change nothing.
"""

import dataclasses
import json
import logging
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.app import create_app
from consent_service.config import ConfigError, Settings
from consent_service.domain.ledger import StoredEntry
from consent_service.services import audit
from tests.campaigns.factories import CONTENT
from tests.factories import consent_body
from tests.sendgrid_events import PATH as URL
from tests.sendgrid_events import SendGrid, body_of

EMAIL_PURPOSES = {"newsletters", "promotions", "surveys"}


@pytest.fixture
def writer(make_key) -> dict[str, str]:
    """Writes consents and reads the change feed, where the suppression flag shows."""
    key = make_key("consents:write", "subjects:read", "subjects:write", "sync:read")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def sendgrid() -> SendGrid:
    return SendGrid()


@pytest.fixture
def environ(environ: dict[str, str], sendgrid: SendGrid) -> dict[str, str]:
    return environ | {
        "SENDGRID_WEBHOOK_PUBLIC_KEY": sendgrid.public_key,
        "CONSENT_DOUBLE_OPT_IN": "",
    }


@pytest.fixture
def deliver(client, sendgrid: SendGrid):
    def post(events: Any) -> Any:
        body = body_of(events)
        headers = sendgrid.headers(body) | {"Content-Type": "application/json"}
        return client.post(URL, data=body, headers=headers)

    return post


@pytest.fixture
def sign_up(client, writer):
    def create(email: str, purposes: dict[str, bool] | None = None) -> str:
        purposes = purposes or {"newsletters": True, "promotions": True, "personalization": True}
        response = client.post("/v1/consents", json=consent_body(email, purposes), headers=writer)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["subject_id"]

    return create


def statuses(client, writer, subject_id: str) -> dict[str, str]:
    subject = client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()
    return {purpose: state["status"] for purpose, state in subject["consents"].items()}


def ledger(app, subject_id: str) -> list[StoredEntry]:
    """The subject's ledger rows, read in a session closed at once (SQLite holds one writer)."""
    with app.extensions["consent.sessions"]() as session:
        return SqlRepository(session).history(uuid.UUID(subject_id))


def outbox(app) -> list[dict[str, Any]]:
    query = select(orm.OutboxMessage.payload).order_by(orm.OutboxMessage.id)
    with app.extensions["consent.sessions"]() as session:
        return list(session.scalars(query))


def suppressed(client, writer, subject_id: str) -> bool:
    body = {"subject_ids": [subject_id]}
    answer = client.post("/v1/sync/versions", json=body, headers=writer).get_json()
    return subject_id in answer["suppressed"]


def test_a_hard_bounce_suppresses_the_address_as_a_change_of_its_subject(
    client, writer, deliver, sendgrid, sign_up, app
) -> None:
    subject_id = sign_up("aigul@example.kg")
    version = client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()["version"]
    bounce = sendgrid.event("bounce", "Aigul@Example.KG", type="bounce", status="5.1.1")

    response = deliver([bounce])

    assert response.status_code == 200
    assert response.get_json() == {
        "received": 1,
        "applied": 1,
        "unchanged": 0,
        "ignored": 0,
        "duplicate": 0,
        "skipped": 0,
    }
    assert suppressed(client, writer, subject_id)
    subject = client.get(f"/v1/subjects/{subject_id}", headers=writer).get_json()
    assert subject["version"] == version + 1
    assert statuses(client, writer, subject_id)["newsletters"] == "granted", "consent untouched"
    entry = ledger(app, subject_id)[-1]
    record = entry.record
    assert (record.kind, record.source, record.actor, record.seq) == (
        "suppression",
        "esp_webhook",
        "sendgrid",
        version + 1,
    )
    assert entry.evidence == {
        "esp_event": "bounce",
        "sg_event_id": bounce["sg_event_id"],
        "reason": "hard_bounce",
    }
    announced = outbox(app)[-1]
    assert announced["schema"] == "subject.updated/1"
    assert (announced["suppressed"], announced["changed"]) == (True, ["suppressed"])
    assert announced["version"] == version + 1
    assert client.get(f"/v1/subjects/{subject_id}/history", headers=writer).status_code == 200


def test_a_bounce_of_an_unknown_address_still_suppresses_it(
    client, writer, deliver, sendgrid, sign_up, table_counts
) -> None:
    before = table_counts()
    response = deliver([sendgrid.event("bounce", "ghost@example.kg", type="bounce")])
    assert response.get_json()["applied"] == 1
    after = table_counts()
    assert after["suppressions"] == before["suppressions"] + 1
    assert (after["subjects"], after["outbox"]) == (before["subjects"], before["outbox"])

    subject_id = sign_up("ghost@example.kg")
    assert suppressed(client, writer, subject_id), "whoever holds the address later"


def test_a_drop_for_an_invalid_address_suppresses_it(
    client, writer, deliver, sendgrid, sign_up, app
) -> None:
    subject_id = sign_up("typo@example.kg")
    deliver([sendgrid.event("dropped", "typo@example.kg", reason="Invalid")])
    assert suppressed(client, writer, subject_id)
    assert ledger(app, subject_id)[-1].evidence["reason"] == "invalid_address"


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("bounce", {"type": "blocked", "reason": "550 blocked by policy"}),
        ("deferred", {"response": "400 try again later", "attempt": "5"}),
        ("dropped", {"reason": "Unsubscribed Address"}),
        ("delivered", {"response": "250 OK"}),
        ("open", {"useragent": "Mozilla/5.0"}),
        ("group_resubscribe", {"asm_group_id": 7}),
    ],
)
def test_soft_bounces_and_other_events_change_nothing(
    client, writer, deliver, sendgrid, sign_up, table_counts, kind, fields
) -> None:
    subject_id = sign_up("aigul@example.kg")
    before = table_counts()
    response = deliver([sendgrid.event(kind, "aigul@example.kg", **fields)])
    assert response.status_code == 200
    assert response.get_json()["ignored"] == 1
    assert table_counts() == before
    assert not suppressed(client, writer, subject_id)


def test_a_spam_report_withdraws_every_email_purpose(
    client, writer, deliver, sendgrid, sign_up, app
) -> None:
    subject_id = sign_up("aigul@example.kg")
    report = sendgrid.event("spamreport", "aigul@example.kg")

    assert deliver([report]).get_json()["applied"] == 1

    assert statuses(client, writer, subject_id) == {
        "newsletters": "withdrawn",
        "promotions": "withdrawn",
        "surveys": "withdrawn",
        "personalization": "granted",
    }
    entries = [e for e in ledger(app, subject_id) if e.record.source == "esp_webhook"]
    assert {e.record.purpose for e in entries} == EMAIL_PURPOSES
    for entry in entries:
        record = entry.record
        assert (record.kind, record.status, record.actor) == ("consent", "withdrawn", "sendgrid")
        assert entry.evidence == {"esp_event": "spamreport", "sg_event_id": report["sg_event_id"]}
    published = [m for m in outbox(app) if m.get("source") == "esp_webhook"]
    assert {(m["schema"], m["purpose"], m["status"]) for m in published} == {
        ("consent.changed/1", purpose, "withdrawn") for purpose in EMAIL_PURPOSES
    }


@pytest.mark.parametrize("kind", ["unsubscribe", "group_unsubscribe"])
def test_an_unsubscribe_withdraws_the_purpose_of_the_campaign_it_names(
    client, writer, make_key, deliver, sendgrid, sign_up, kind
) -> None:
    marketer = {"Authorization": f"Bearer {make_key('campaigns:write')}"}
    campaign = {
        "name": "Sale",
        "purpose": "promotions",
        "content": CONTENT,
        "schedule": {"at": "2030-01-07T09:00:00+06:00"},
    }
    created = client.post("/v1/campaigns", json=campaign, headers=marketer)
    assert created.status_code == 201, created.get_json()
    subject_id = sign_up("aigul@example.kg")
    custom_args = {"campaign_id": created.get_json()["id"], "run_id": str(uuid.uuid4())}

    deliver([sendgrid.event(kind, "aigul@example.kg", subject_id=subject_id, **custom_args)])

    assert statuses(client, writer, subject_id) == {
        "newsletters": "granted",
        "promotions": "withdrawn",
        "personalization": "granted",
    }


@pytest.mark.parametrize("campaign_id", [None, str(uuid.uuid4()), "not-a-uuid"])
def test_an_unsubscribe_without_a_known_campaign_withdraws_every_email_purpose(
    client, writer, deliver, sendgrid, sign_up, campaign_id
) -> None:
    subject_id = sign_up("aigul@example.kg")
    fields = {"campaign_id": campaign_id} if campaign_id else {}
    deliver([sendgrid.event("unsubscribe", "aigul@example.kg", **fields)])
    assert {p for p, s in statuses(client, writer, subject_id).items() if s == "withdrawn"} == (
        EMAIL_PURPOSES
    )


def test_an_unsubscribe_of_an_unknown_address_changes_nothing(
    deliver, sendgrid, table_counts
) -> None:
    before = table_counts()
    response = deliver([sendgrid.event("spamreport", "nobody@example.kg")])
    assert response.get_json()["unchanged"] == 1
    after = table_counts()
    assert after["webhook_events"] == before["webhook_events"] + 1
    assert after | {"webhook_events": 0} == before | {"webhook_events": 0}


def test_a_replayed_delivery_changes_nothing(
    client, deliver, sendgrid, sign_up, table_counts
) -> None:
    sign_up("aigul@example.kg")
    events = [
        sendgrid.event("spamreport", "aigul@example.kg"),
        sendgrid.event("bounce", "aigul@example.kg", type="bounce"),
    ]
    assert deliver(events).get_json()["applied"] == 2
    before = table_counts()

    replayed = deliver(events)

    assert replayed.status_code == 200
    assert replayed.get_json()["duplicate"] == 2
    assert table_counts() == before


def test_one_delivery_may_repeat_an_event(deliver, sendgrid, sign_up) -> None:
    sign_up("aigul@example.kg")
    report = sendgrid.event("spamreport", "aigul@example.kg")
    counts = deliver([report, report]).get_json()
    assert (counts["applied"], counts["duplicate"]) == (1, 1)


def test_events_lacking_what_is_needed_are_skipped_and_counted(
    client, writer, deliver, sendgrid, sign_up
) -> None:
    subject_id = sign_up("aigul@example.kg")
    lacking = sendgrid.event("bounce", "aigul@example.kg", type="bounce")
    del lacking["sg_event_id"]
    good = sendgrid.event("bounce", "aigul@example.kg", type="bounce")

    response = deliver([lacking, "bounce", None, {"event": "spamreport"}, good])

    assert response.status_code == 200
    assert response.get_json() | {"received": 5} == {
        "received": 5,
        "applied": 1,
        "unchanged": 0,
        "ignored": 0,
        "duplicate": 0,
        "skipped": 4,
    }
    assert suppressed(client, writer, subject_id)


def refused(response) -> str:
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 403
    return problem["type"].rsplit("/", 1)[1]


BOUNCE = [{"email": "aigul@example.kg", "event": "bounce", "type": "bounce", "sg_event_id": "ev-1"}]


@pytest.mark.parametrize(
    ("case", "slug"),
    [
        ("signed by another key", "signature-invalid"),
        ("body changed after signing", "signature-invalid"),
        ("timestamp changed after signing", "signature-invalid"),
        ("signature not base64", "signature-invalid"),
        ("no signature header", "signature-missing"),
        ("no timestamp header", "signature-missing"),
        ("timestamp six minutes old", "signature-stale"),
        ("timestamp six minutes ahead", "signature-stale"),
        ("timestamp not a number", "signature-stale"),
    ],
)
def test_a_delivery_that_cannot_be_trusted_is_403_and_changes_nothing(
    client, sendgrid, sign_up, table_counts, case, slug
) -> None:
    sign_up("aigul@example.kg")
    body = body_of(BOUNCE)
    now = int(time.time())
    headers = sendgrid.headers(body)
    match case:
        case "signed by another key":
            headers = SendGrid().headers(body)
        case "body changed after signing":
            body = body.replace(b'"type":"bounce"', b'"type": "bounce"')
        case "timestamp changed after signing":
            headers["X-Twilio-Email-Event-Webhook-Timestamp"] = str(now - 1)
        case "signature not base64":
            headers["X-Twilio-Email-Event-Webhook-Signature"] = "not base64!"
        case "no signature header":
            del headers["X-Twilio-Email-Event-Webhook-Signature"]
        case "no timestamp header":
            del headers["X-Twilio-Email-Event-Webhook-Timestamp"]
        case "timestamp six minutes old":
            headers = sendgrid.headers(body, now - 360)
        case "timestamp six minutes ahead":
            headers = sendgrid.headers(body, now + 360)
        case "timestamp not a number":
            headers["X-Twilio-Email-Event-Webhook-Timestamp"] = "yesterday"
    before = table_counts()

    response = client.post(URL, data=body, headers=headers, content_type="application/json")

    assert refused(response) == slug
    assert table_counts() == before


def test_without_a_configured_key_every_delivery_is_refused(
    settings, sendgrid, table_counts
) -> None:
    app = create_app(dataclasses.replace(settings, sendgrid_webhook_public_key=None))
    try:
        body = body_of(BOUNCE)
        before = table_counts()
        response = app.test_client().post(
            URL, data=body, headers=sendgrid.headers(body), content_type="application/json"
        )
        assert refused(response) == "webhook-not-configured"
        assert table_counts() == before
    finally:
        app.extensions["consent.engine"].dispose()


@pytest.mark.parametrize(
    "body",
    [b'[{"event": "bounce"', b'{"event": "bounce"}', b"", b"\xff\xfe", b'"bounce"'],
    ids=["truncated", "an object", "empty", "not utf-8", "a string"],
)
def test_a_signed_body_that_is_not_an_event_list_is_400_and_changes_nothing(
    client, sendgrid, table_counts, body
) -> None:
    before = table_counts()
    response = client.post(
        URL, data=body, headers=sendgrid.headers(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert table_counts() == before


def test_a_malformed_verification_key_stops_the_service_from_starting(environ) -> None:
    with pytest.raises(ConfigError, match="SENDGRID_WEBHOOK_PUBLIC_KEY"):
        Settings.from_env(environ | {"SENDGRID_WEBHOOK_PUBLIC_KEY": "c2VjcmV0"})


def test_the_logs_never_name_the_address(
    deliver, sendgrid, sign_up, caplog: pytest.LogCaptureFixture
) -> None:
    sign_up("aigul@example.kg")
    with caplog.at_level(logging.DEBUG):
        deliver([sendgrid.event("bounce", "aigul@example.kg", type="bounce")])
    assert caplog.records, "the delivery is logged"
    for record in caplog.records:
        assert "aigul" not in json.dumps(vars(record), default=str)


def test_the_openapi_document_describes_the_webhook(client) -> None:
    operation = client.get("/openapi.json").get_json()["paths"][URL]["post"]
    assert "security" not in operation
    assert {"200", "400", "403"} <= set(operation["responses"])


def test_the_catch_up_listing_says_whose_address_is_suppressed(
    client, writer, deliver, sendgrid, sign_up
) -> None:
    bounced, other = sign_up("aigul@example.kg"), sign_up("bakyt@example.kg")
    deliver([sendgrid.event("bounce", "aigul@example.kg", type="bounce")])
    body = {"subject_ids": [bounced, other]}
    listed = client.post("/v1/sync/subjects", json=body, headers=writer).get_json()["subjects"]
    assert {s["subject_id"]: s["suppressed"] for s in listed} == {bounced: True, other: False}
    bucket = client.get(f"/v1/sync/buckets/{bounced[:2]}", headers=writer).get_json()
    assert [s["suppressed"] for s in bucket["subjects"] if s["subject_id"] == bounced] == [True]


def test_a_move_to_another_address_lifts_the_suppression_for_that_person_only(
    client, writer, deliver, sendgrid, sign_up
) -> None:
    subject_id = sign_up("aigul@example.kg")
    deliver([sendgrid.event("bounce", "aigul@example.kg", type="bounce")])
    moved = client.patch(
        f"/v1/subjects/{subject_id}", json={"email": "aigul@mail.kg"}, headers=writer
    )
    assert moved.status_code == 200, moved.get_json()
    assert not suppressed(client, writer, subject_id)
    newcomer = sign_up("aigul@example.kg")
    assert suppressed(client, writer, newcomer), "the old address stays suppressed"


def test_a_delivery_beyond_the_apis_usual_body_limit_is_taken(deliver, sendgrid) -> None:
    events = [sendgrid.event("open", f"reader{n}@example.kg") for n in range(600)]
    assert len(body_of(events)) > 64 * 1024
    response = deliver(events)
    assert response.status_code == 200
    assert response.get_json()["ignored"] == 600


def test_a_delivery_over_two_mebibytes_is_413_and_changes_nothing(
    client, sendgrid, table_counts
) -> None:
    body = body_of([{**BOUNCE[0], "padding": "x" * (2 * 1024 * 1024)}])
    before = table_counts()
    response = client.post(
        URL, data=body, headers=sendgrid.headers(body), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert table_counts() == before


def test_the_ledger_still_verifies_after_suppressions_and_withdrawals(
    app, deliver, sendgrid, sign_up, settings
) -> None:
    sign_up("aigul@example.kg")
    sign_up("bakyt@example.kg")
    deliver(
        [
            sendgrid.event("bounce", "aigul@example.kg", type="bounce"),
            sendgrid.event("spamreport", "aigul@example.kg"),
            sendgrid.event("unsubscribe", "bakyt@example.kg"),
            sendgrid.event("dropped", "bakyt@example.kg", reason="Invalid"),
        ]
    )
    with app.extensions["consent.sessions"]() as session:
        assert audit.verify(SqlRepository(session), [settings.secret_key]).ok
