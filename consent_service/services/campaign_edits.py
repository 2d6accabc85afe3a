"""Editing a campaign: its name, purpose, content per locale and schedule.

An edit is validated as a new campaign is (every template rendered once, the purpose and the
schedule checked), warns of the locales recipients use and the content lacks, and is refused
while a run is in progress (that run sends what it was given) or once the campaign has ended.

Who edits decides the status (decision 0030): an edit by someone who may not send
(`campaigns:send`) makes the campaign a draft, which never runs until someone who may send
gives it a schedule; someone who may send schedules a draft by giving one. The mailer learns
every status change through `campaign.control`, and a run's content through its own
`campaign.run_requested`, so an edit needs no other message.
"""

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, Literal

from consent_service.domain import campaigns as rules
from consent_service.domain.campaigns import CampaignStatus, InvalidCampaign
from consent_service.domain.errors import Conflict
from consent_service.domain.schedules import ScheduleError, parse_schedule, schedule_from_json
from consent_service.services.campaigns import (
    CampaignView,
    complete_if_finished,
    content_problems,
    control_message,
    find_campaign,
    get_campaign,
    locale_fallbacks,
)
from consent_service.services.ports.campaigns import CampaignRow, Campaigns

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CampaignChanges:
    """What an edit changes; None leaves a field as it is.

    `content` is per locale: a locale given replaces that locale's version, a locale given
    as None removes it, and the other locales stay. `schedule` holds parsed datetimes.
    `layout` is a layout's id, or DEFAULT_LAYOUT to send inside the brand settings' layout.
    """

    name: str | None = None
    purpose: str | None = None
    content: dict[str, dict[str, str] | None] | None = None
    schedule: dict[str, Any] | None = None
    layout: uuid.UUID | Literal["default"] | None = None


DEFAULT_LAYOUT: Final = "default"


class EditedMeanwhile(Conflict):
    """Someone else changed the campaign while this edit was being validated."""


def update_campaign(
    store: Campaigns,
    campaign_id: uuid.UUID,
    changes: CampaignChanges,
    *,
    may_send: bool,
    now: datetime,
) -> CampaignView:
    """Apply `changes` to the campaign and answer it with its locale warnings.

    `may_send`: whether the editor holds `campaigns:send`. The content is rendered before the
    campaign is locked, so the lock is held for milliseconds; an edit that another one
    overtook meanwhile is refused (EditedMeanwhile, 409) rather than undo it.
    """
    before = find_campaign(store, campaign_id)
    rules.check_can_edit(CampaignStatus(before.status), store.unfinished_runs(before.id))
    edited, schedule = _validated(store, before, changes, now)
    if _changes_nothing(before, edited, changes):
        warnings = locale_fallbacks(store, before.purpose, before.content, before.default_locale)
        view = get_campaign(store, before.id)
        return CampaignView(view.campaign, view.runs, warnings)
    campaign = find_campaign(store, campaign_id, lock=True)
    if campaign.updated_at != before.updated_at:
        raise EditedMeanwhile("The campaign was changed meanwhile; load it and edit again.")
    status = CampaignStatus(campaign.status)
    rules.check_can_edit(status, store.unfinished_runs(campaign.id))
    after = rules.status_after_edit(
        status, may_send=may_send, schedule_given=changes.schedule is not None
    )
    values: dict[str, Any] = {
        "name": edited.name,
        "purpose": edited.purpose,
        "content": edited.content,
        "schedule": schedule,
        "layout_id": edited.layout_id,
        "status": after.value,
        "next_run_at": _next_run_at(campaign, after, schedule, changes, now),
        "updated_at": now,
    }
    if after is not status:
        values["control_version"] = campaign.control_version + 1
        store.add_outbox([control_message(campaign.id, after, values["control_version"], now)])
    store.update_campaign(campaign.id, **values)
    complete_if_finished(store, campaign.id, values["next_run_at"], now)
    log.info(
        "campaign edited",
        extra={
            "event": "campaign_edited",
            "campaign_id": str(campaign.id),
            "status": after.value,
        },
    )
    view = get_campaign(store, campaign.id)
    warnings = locale_fallbacks(store, edited.purpose, edited.content, campaign.default_locale)
    return CampaignView(view.campaign, view.runs, warnings)


def _changes_nothing(before: CampaignRow, edited: CampaignRow, changes: CampaignChanges) -> bool:
    """Whether an edit leaves the campaign as it was: then nothing is written, and so an empty
    PATCH or a form saved unchanged by someone who may not send does not make a scheduled
    campaign a draft. A schedule given always counts: it is how a sender schedules a draft."""
    return changes.schedule is None and (
        edited.name,
        edited.purpose,
        edited.content,
        edited.layout_id,
    ) == (before.name, before.purpose, before.content, before.layout_id)


def _validated(
    store: Campaigns, campaign: CampaignRow, changes: CampaignChanges, now: datetime
) -> tuple[CampaignRow, dict[str, Any] | None]:
    """The campaign as edited, and its schedule; InvalidCampaign with every error at once."""
    content = dict(campaign.content)
    for locale, version in (changes.content or {}).items():
        if version is None:
            content.pop(locale, None)
        else:
            content[locale] = version
    purpose = changes.purpose if changes.purpose is not None else campaign.purpose
    errors = content_problems(purpose, content, campaign.default_locale)
    schedule = campaign.schedule
    if changes.schedule is not None:
        try:
            schedule = parse_schedule(changes.schedule, now)[0].to_json()
        except ScheduleError as error:
            errors["schedule"] = {error.field or "_schema": [error.message]}
    layout_id = campaign.layout_id
    if changes.layout == DEFAULT_LAYOUT:
        layout_id = None
    elif changes.layout is not None:
        layout_id = changes.layout
        if store.layout(layout_id) is None:
            errors["layout"] = [f"No layout {layout_id}."]
    if errors:
        raise InvalidCampaign(errors)
    name = changes.name if changes.name is not None else campaign.name
    edited = replace(campaign, name=name, purpose=purpose, content=content, layout_id=layout_id)
    return edited, schedule


def _next_run_at(
    campaign: CampaignRow,
    after: CampaignStatus,
    schedule: dict[str, Any] | None,
    changes: CampaignChanges,
    now: datetime,
) -> datetime | None:
    """A draft has no next run; a campaign that is newly scheduled or given a new schedule
    runs at its schedule's next occurrence (evaluated as the scheduler will, from the day the
    campaign was created); otherwise the next run stays."""
    if after is CampaignStatus.DRAFT or schedule is None:
        return None
    if changes.schedule is None and CampaignStatus(campaign.status) is after:
        return campaign.next_run_at
    return schedule_from_json(schedule, campaign.created_at).next_after(now)
