"""Names and arguments of the broker topology, shared by the registry and the mailer.

Plain data, no broker library: each side builds its own kombu or pika objects from it, so
that the two never import each other's code yet always agree on the names (SPEC section 6).
"""

from typing import Any, Final

CONSENT_EVENTS: Final = "consent.events"
"""Topic exchange, durable: every event the registry publishes."""

MAILER_REPORTS: Final = "mailer.reports"
"""Topic exchange, durable: what the mailer reports back (run progress, sends)."""

MAILER_QUEUE: Final = "mailer.consent-events"
"""Quorum queue of the mailer's view and commands; every `mailer work` consumes it."""

MAILER_QUEUE_BINDINGS: Final = ("consent.#", "subject.#", "optin.#", "campaign.#")

DEAD_LETTER_EXCHANGE: Final = "mailer.dead-letter"
"""Fanout exchange receiving rejected, malformed and over-delivered messages."""

DEAD_LETTER_QUEUE: Final = "mailer.dead-letter"

REGISTRY_REPORTS_QUEUE: Final = "registry.mailer-reports"
REGISTRY_REPORTS_BINDINGS: Final = ("mailer.#",)

DELIVERY_LIMIT: Final = 5
"""A message redelivered more often than this (a consumer crashing on it) is dead-lettered."""

EXPORTS_QUEUE: Final = "mailer.exports"
"""Quorum queue of export requests (`export.requested/1`); every `mailer work` answers it.

A request is worth nothing once the registry stopped waiting, so requests expire in the
queue rather than wait for a mailer that is down, and nothing is dead-lettered."""

EXPORTS_QUEUE_BINDINGS: Final = ("export.#",)

EXPORT_REQUESTED: Final = "export.requested"
"""Routing key of export requests on `consent.events`."""

EXPORT_REPLY_PREFIX: Final = "export.reply."
"""The mailer answers on `mailer.reports` with this prefix and the request id; the registry
waits on a temporary queue bound to exactly that key (docs/decisions/0013)."""

EXPORT_REQUEST_TTL_MS: Final = 60_000

DEAD_LETTER_REASON_HEADER: Final = "x-consent-dead-letter-reason"


def quorum_queue_arguments() -> dict[str, Any]:
    """Arguments of the mailer's queue on a real RabbitMQ (ignored by embedded transports)."""
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
        "x-delivery-limit": DELIVERY_LIMIT,
    }


def exports_queue_arguments() -> dict[str, Any]:
    """Arguments of `mailer.exports` on a real RabbitMQ: quorum, expiring, no dead letters."""
    return {
        "x-queue-type": "quorum",
        "x-message-ttl": EXPORT_REQUEST_TTL_MS,
        "x-delivery-limit": DELIVERY_LIMIT,
    }


def export_reply_key(request_id: object) -> str:
    return f"{EXPORT_REPLY_PREFIX}{request_id}"
