"""Test sends: a campaign's email to a few members of staff before it goes out.

Only the addresses of active console users and those of `CONSOLE_TEST_RECIPIENTS` may get
one, so a test send can never become a way round consent: anything else refuses the whole
request and nothing is sent. The mailer renders it with the templates of a real send, marks
the subject `[TEST] `, checks no consent and touches no count, statistic or send ledger. Each
actor may send `TESTS_PER_HOUR` tests of a campaign per hour (decision 0030).
"""

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from consent_service.domain.campaigns import InvalidCampaign
from consent_service.domain.errors import DomainError
from consent_service.domain.ledger import timestamp
from consent_service.services.campaigns import find_campaign, layout_of
from consent_service.services.ledger_writer import outbox_row
from consent_service.services.ports.campaigns import CampaignRow, Campaigns, StaffAddresses
from consent_service.services.ports.outbox import OutboxRow

TEST_REQUESTED = "campaign.test_requested/1"
TESTS_PER_HOUR = 10
WINDOW = timedelta(hours=1)
NOT_ALLOWED = (
    "Only the address of an active console user or one of CONSOLE_TEST_RECIPIENTS may get "
    "a test email."
)


class TooManyTests(DomainError):
    """The actor sent TESTS_PER_HOUR tests of this campaign within the last hour."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"At most {TESTS_PER_HOUR} test sends of a campaign per hour; "
            f"try again in {retry_after} s."
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class SentTest:
    campaign_id: uuid.UUID
    recipients: tuple[str, ...]
    locale: str


def send_test(
    store: Campaigns,
    staff: StaffAddresses,
    campaign_id: uuid.UUID,
    to: Sequence[str],
    *,
    actor: str,
    allowed: Iterable[str] = (),
    locale: str | None = None,
    now: datetime,
) -> SentTest:
    """Ask the mailer to send the campaign's test email to each of `to`.

    `allowed`: CONSOLE_TEST_RECIPIENTS; `actor` who asks (`key:<id>`, `console:<user id>`),
    counted for the hourly limit; `locale` the version to send, the campaign's default
    locale if None. Refuses with InvalidCampaign (422, `errors.to.<index>`) an address that
    may not get one, with TooManyTests (429) beyond the limit; nothing is sent then.
    """
    campaign = find_campaign(store, campaign_id, lock=True)
    recipients = _distinct(to)
    extra = {address.casefold() for address in allowed}
    staff_among = {a.casefold() for a in staff.active_staff_among(recipients)}
    errors: dict[str, object] = {}
    refused = {
        str(index): [NOT_ALLOWED]
        for index, address in enumerate(to)
        if address.casefold() not in staff_among | extra
    }
    if refused:
        errors["to"] = refused
    chosen = locale or campaign.default_locale
    if chosen not in campaign.content:
        errors["locale"] = [f"The campaign has no version in {chosen!r}."]
    if errors:
        raise InvalidCampaign(errors)
    recent = store.test_sends_since(campaign.id, actor, now - WINDOW)
    if len(recent) >= TESTS_PER_HOUR:
        wait = recent[len(recent) - TESTS_PER_HOUR] + WINDOW - now
        raise TooManyTests(max(1, math.ceil(wait.total_seconds())))
    store.add_test_send(campaign.id, actor, len(recipients), now)
    store.add_outbox(
        [_test_requested(campaign, layout_of(store, campaign), recipients, chosen, now)]
    )
    return SentTest(campaign.id, recipients, chosen)


def _distinct(addresses: Sequence[str]) -> tuple[str, ...]:
    """Each address once, compared case-insensitively, in the order given."""
    first: dict[str, str] = {}
    for address in addresses:
        first.setdefault(address.casefold(), address)
    return tuple(first.values())


def _test_requested(
    campaign: CampaignRow,
    layout: dict[str, dict[str, str]] | None,
    recipients: tuple[str, ...],
    locale: str,
    now: datetime,
) -> OutboxRow:
    body = {
        "schema": TEST_REQUESTED,
        "message_id": str(uuid.uuid4()),
        "occurred_at": timestamp(now),
        "campaign_id": str(campaign.id),
        "campaign_name": campaign.name,
        "purpose": campaign.purpose,
        "default_locale": campaign.default_locale,
        "locale": locale,
        "content": campaign.content,
        "layout": layout,
        "to": list(recipients),
    }
    return outbox_row(None, "campaign.test_requested", body, now)
