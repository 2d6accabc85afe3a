"""A campaign's email as one person would get it: its content inside its layout.

The console shows a preview per locale for a sample recipient, and to whoever may look
people up (`subjects:read`) the preview for a chosen person: their name, their language.
Both are the run's own code: the content rendered in the renderer's sandbox within its
budgets (plumbing/templates/campaigns.py), then framed by the layout the run would carry
(the campaign's, else the brand settings) with the frame the mailer draws
(plumbing/templates/framing.py). So a preview is byte for byte the email, apart from the
personal values the caller gives: the console never gives a chosen person's real link
tokens, only stand-ins, so that clicking a link in a preview cannot unsubscribe anyone
(decision 0036).
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from consent_service.domain.emails import email_key
from consent_service.services.campaigns import layout_of
from consent_service.services.ports.campaigns import CampaignRow, Campaigns
from consent_service.services.ports.subjects import SubjectRow
from plumbing.layouts import LayoutVersion, layout_versions, version_for
from plumbing.shop import Shop
from plumbing.templates.campaigns import render_version
from plumbing.templates.framing import framed
from plumbing.templates.renderer import RenderFailed

LONGEST_QUERY = 254
"""No subject id, external id (200) or address (254) is longer: a longer query finds nobody."""


@dataclass(frozen=True)
class Preview:
    """One locale's email as a recipient gets it; `locale` is the version used (the default
    one for a locale the content lacks), `problem` why it could not be rendered."""

    locale: str
    subject: str
    html: str
    text: str
    problem: str | None = None


def frame_of(store: Campaigns, campaign: CampaignRow, shop: Shop) -> dict[str, LayoutVersion]:
    """The layout a run of the campaign would be sent inside now, per locale."""
    return layout_versions(layout_of(store, campaign), shop)


def preview(
    campaign: CampaignRow,
    locale: str,
    values: Mapping[str, str],
    layout: Mapping[str, LayoutVersion],
    shop: Shop,
) -> Preview:
    """The version a recipient speaking `locale` would get, with `values` for the personal
    variables (`name`, the two links), inside `layout` (`frame_of`), by the code and budgets
    a run uses."""
    used = locale if locale in campaign.content else campaign.default_locale
    try:
        subject, html, text = render_version(used, campaign.content[used], values)
    except RenderFailed as failure:
        return Preview(used, "", "", "", failure.reason)
    frame = version_for(layout, used, campaign.default_locale)
    html, text = framed(used, frame, shop, (html, text), (values, values))
    return Preview(used, subject, html, text)


class SubjectLookup(Protocol):
    """How a person is found by what staff may type: the registry's live subjects."""

    def subject_by_id(
        self, subject_id: uuid.UUID, *, for_update: bool = False
    ) -> SubjectRow | None: ...

    def subject_by_email_key(self, key: str, *, for_update: bool = False) -> SubjectRow | None: ...

    def subjects_by_external_id(self, external_id: str, limit: int) -> list[SubjectRow]: ...


class NobodyFound(Exception):
    """No one, or more than one person, answers to the query; `ambiguous` says which."""

    def __init__(self, *, ambiguous: bool = False) -> None:
        super().__init__("more than one person" if ambiguous else "nobody")
        self.ambiguous = ambiguous


def find_subject(subjects: SubjectLookup, query: str) -> SubjectRow:
    """The one live person whose subject id, whole email address (any case) or external id
    is exactly `query` (surrounding spaces aside); never a part of one.

    An external id the shop gave several people is refused as ambiguous rather than guessed.
    A query no stored value could equal (too long, control characters) finds nobody without
    asking the database, which would refuse some of them.
    """
    wanted = query.strip()
    if not wanted or len(wanted) > LONGEST_QUERY or not wanted.isprintable():
        raise NobodyFound
    try:
        found = subjects.subject_by_id(uuid.UUID(wanted))
    except ValueError:
        found = None
    if found is None and "@" in wanted:
        found = subjects.subject_by_email_key(email_key(wanted))
    if found is not None:
        return found
    several = subjects.subjects_by_external_id(wanted, limit=2)
    if len(several) > 1:
        raise NobodyFound(ambiguous=True)
    if not several:
        raise NobodyFound
    return several[0]
