"""A campaign's test email: rendered as a real send renders it, its subject marked.

It goes through the campaign composer a run uses (same templates, sandbox, budgets, links
footer), for a stand-in recipient with no name, and its subject starts with `[TEST] `. It is
sent from the queue of transactional emails (`services.confirmations`): no send ledger, no
consent check, no count. Its links are signed for the stand-in, who is nobody: they lead to
the public pages' "not found" answers, never to a real person's preferences.
"""

import uuid
from dataclasses import replace
from typing import Final

from mailer.domain.confirmations import QueuedEmail
from mailer.domain.outgoing import Envelope, Outgoing, Person
from mailer.services.compose import CampaignComposer
from plumbing.shop import Shop
from plumbing.templates.renderer import TemplateRenderer
from plumbing.tokens import LinkSigner

TEST_PREFIX: Final = "[TEST] "
CATEGORY: Final = "campaign_test"
NO_RUN: Final = uuid.UUID(int=0)
"""What the composer is given for a run: a test belongs to none."""


class TestEmails:
    """Composes test emails with the signer, base URL, shop and renderer of real sends."""

    __test__ = False  # not a pytest class, whatever its name

    def __init__(
        self,
        links: LinkSigner,
        public_base_url: str,
        shop: Shop,
        renderer: TemplateRenderer | None = None,
    ) -> None:
        self._links = links
        self._base_url = public_base_url
        self._shop = shop
        self._renderer = renderer

    def compose(self, row: QueuedEmail) -> Outgoing:
        """The queued test email as one group of one envelope; CompositionError if the
        campaign's content cannot be rendered."""
        assert row.content is not None  # the consumer queues every test with its campaign
        campaign = row.content
        campaign_id = uuid.UUID(campaign["campaign_id"])
        composer = CampaignComposer(
            campaign["content"],
            campaign["default_locale"],
            campaign["purpose"],
            campaign_id,
            NO_RUN,
            self._links,
            self._base_url,
            self._shop,
            self._renderer,
            campaign.get("layout"),
        )
        person = Person(row.subject_id, row.address, row.locale, None)
        (group,) = composer.compose([person])
        (envelope,) = group.envelopes
        content = replace(group.content, subject=TEST_PREFIX + group.content.subject)
        marked = Envelope(
            subject_id=envelope.subject_id,
            address=envelope.address,
            substitutions=envelope.substitutions,
            headers=envelope.headers,
            custom_args={"campaign_id": str(campaign_id), "test": "1"},
        )
        return Outgoing(content, [marked], category=CATEGORY)
