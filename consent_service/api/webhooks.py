"""SendGrid's signed event webhook, `POST /v1/webhooks/sendgrid` (SPEC section 4).

No API key: the ECDSA signature over the timestamp header and the raw body is the
authentication (adapters/signatures.py). A delivery that cannot be trusted (no key
configured, a header missing, a timestamp over five minutes off, a bad signature) is 403, one
that cannot be read is 400 (422 when an object names a key twice), and none changes
anything. Otherwise the answer is 200 with what became of each event, also when some were
unusable (an event lacking a field, or with text the registry cannot store, is skipped):
SendGrid retries any other answer for a day, and a retry would not make a bad event good.
"""

import logging
from collections import Counter
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from consent_service.adapters import signatures
from consent_service.domain import esp_events
from consent_service.faces.bodies import parse_json
from consent_service.faces.clock import now
from consent_service.faces.problems import Problem
from consent_service.faces.transactions import in_transaction
from consent_service.openapi.operations import JSON, documented, header, problem, returns
from consent_service.services.esp_events import EventSettings, apply_event
from schemas.api.webhooks import SendGridEventSchema, WebhookReceiptSchema

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
MAX_DELIVERY_BYTES = 2 * 1024 * 1024
"""SendGrid posts a batch once it reaches 768 KB; the API's usual body limit is far smaller."""
OUTCOMES = ("applied", "unchanged", "ignored", "duplicate", "skipped")

blueprint = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


def _refused(slug: str, detail: str) -> Problem:
    return Problem(403, "Forbidden", detail, slug=slug)


def _verified_body() -> bytes:
    """The raw body, once the signature proves SendGrid sent it just now; else 403."""
    public_key = current_app.extensions["consent.settings"].sendgrid_webhook_public_key
    if public_key is None:
        raise _refused(
            "webhook-not-configured",
            "SENDGRID_WEBHOOK_PUBLIC_KEY is not set, so no event can be trusted.",
        )
    signature = request.headers.get(SIGNATURE_HEADER)
    stamp = request.headers.get(TIMESTAMP_HEADER)
    if not signature or not stamp:
        raise _refused("signature-missing", f"Send {SIGNATURE_HEADER} and {TIMESTAMP_HEADER}.")
    if not esp_events.is_fresh(stamp.strip(), now()):
        raise _refused(
            "signature-stale", "The signed timestamp is more than five minutes off the clock."
        )
    request.max_content_length = MAX_DELIVERY_BYTES
    body = request.get_data(cache=True)
    if not signatures.verify(public_key, stamp.strip(), body, signature):
        raise _refused("signature-invalid", "The signature does not match the body.")
    return body


def _events(body: bytes) -> list[Any]:
    events = parse_json(body)
    if not isinstance(events, list):
        raise Problem(
            400,
            "Not an event list",
            "SendGrid posts a JSON array of events.",
            slug="not-an-event-list",
        )
    return events


def _apply(event: esp_events.EspEvent, context: EventSettings) -> str:
    return in_transaction(lambda registry: apply_event(registry, event, context))


@blueprint.post("/v1/webhooks/sendgrid")
@documented(
    returns(200, WebhookReceiptSchema, "What became of each event, also of unusable ones"),
    problem(400, "The body is not JSON, or not a JSON array."),
    problem(
        403,
        "No `SENDGRID_WEBHOOK_PUBLIC_KEY` is set, a signature header is missing, the timestamp "
        "is over 5 minutes off, or the signature does not match.",
    ),
    problem(413, "The delivery is over 2 MiB."),
    problem(422, "An object names a key twice."),
    request_body={JSON: SendGridEventSchema(many=True)},
    parameters=tuple(
        header(name, "SendGrid's signature (ECDSA P-256, SHA-256)", required=True, type="string")
        for name in (SIGNATURE_HEADER, TIMESTAMP_HEADER)
    ),
)
def sendgrid() -> Response:
    """SendGrid's event webhook: apply a delivery's events, answer what became of them.

    Signed by SendGrid (ECDSA P-256, SHA-256) over the timestamp header followed by the raw
    body; no API key. Hard bounces and invalid addresses are suppressed, spam reports
    withdraw every email purpose, unsubscribes the campaign's purpose; each event is applied
    in its own transaction.
    """
    events = _events(_verified_body())
    settings = current_app.extensions["consent.settings"]
    context = EventSettings(
        secret_keys=(settings.secret_key, *settings.previous_secret_keys),
        double_opt_in=settings.double_opt_in,
        now=now(),
    )
    counts: Counter[str] = Counter()
    for raw in events:
        event = esp_events.parse(raw)
        counts["skipped" if event is None else _apply(event, context)] += 1
    answer = {"received": len(events), **{outcome: counts[outcome] for outcome in OUTCOMES}}
    log.info("sendgrid events received", extra={"event": "sendgrid_webhook", **answer})
    return jsonify(answer)
