"""The queue of transactional emails: double opt-in emails, preference-centre links, and
campaigns' test emails to staff.

An email the registry asks for is `queued`, `claimed` by one worker (committed before the
backend is called, like a campaign row of the send ledger), then ends `sent`, `failed` or
`unknown`, and its address is forgotten as soon as it ends. One still `claimed` after
`CLAIM_TIMEOUT` (in `mailer.services.confirmations`) was left by a worker that stopped: it
becomes `unknown`, never queued again. A worker that stops before handing a claimed email
over puts it back (`queued`).
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

CONFIRMATION: Final = "confirmation"
PREFERENCES: Final = "preferences"
CAMPAIGN_TEST: Final = "campaign_test"
"""The kinds of email in the queue."""

QUEUED: Final = "queued"
CLAIMED: Final = "claimed"
UNFINISHED = (QUEUED, CLAIMED)


@dataclass(frozen=True)
class QueuedEmail:
    """A claimed email of the queue, with what composing it takes."""

    message_id: uuid.UUID
    subject_id: uuid.UUID
    kind: str
    address: str
    locale: str
    confirm_url: str
    purposes: list[str]
    content: Mapping[str, Any] | None = None
    """A campaign test's campaign: `campaign_id`, `campaign_name`, `purpose`,
    `default_locale` and its `content` per locale."""
