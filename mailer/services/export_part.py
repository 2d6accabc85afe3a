"""The mailer's part of a person's export: what it sent them, as `export.mailer_part/1`.

The registry asks with `export.requested/1` and waits a few seconds for the answer
(decision 0013). The answer is read in one short transaction of the mailer's own database
and holds no address, only what was sent, when, and how it ended. A request taken after its
`reply_by` is not answered: nobody waits for it any more.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from mailer.domain.send_ledger import SentEmail
from mailer.services.unit_of_work import Transaction
from schemas.messages.exports import ExportMailerPartV1

ANSWER = "export.mailer_part/1"


class SendHistory(Protocol):
    def emails_of(self, subject_id: uuid.UUID) -> list[SentEmail]:
        """Every email handed (or maybe handed) to the backend for this person, oldest
        first (`send_ledger.oldest_first`)."""
        ...


class ExportStore(Protocol):
    """What answering an export needs of one transaction."""

    @property
    def history(self) -> SendHistory: ...


def answer(
    transaction: Transaction[ExportStore], request: Mapping[str, Any], now: datetime
) -> dict[str, Any] | None:
    """The answer to a loaded `export.requested/1`; None when it came too late."""
    if request["reply_by"] <= now:
        return None
    with transaction() as store:
        emails = store.history.emails_of(request["subject_id"])
    body = {
        "schema": ANSWER,
        "message_id": str(uuid.uuid4()),
        "occurred_at": now.isoformat(),
        "request_id": str(request["request_id"]),
        "subject_id": str(request["subject_id"]),
        "emails": [
            {
                "kind": e.kind,
                "campaign_id": _text(e.campaign_id),
                "campaign_name": e.campaign_name,
                "run_id": _text(e.run_id),
                "sent_at": e.sent_at.isoformat() if e.sent_at else None,
                "outcome": e.outcome,
            }
            for e in emails
        ],
    }
    ExportMailerPartV1().load(body)  # never publish what the registry would refuse
    return body


def _text(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
