"""How a campaign and its runs are shown: statuses in words, a run's progress, the schedule
in words with its next dates. Presentation only; what the figures mean is the domain's."""

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_datetime
from flask_babel import gettext as _

from consent_service.domain.breakdowns import Cell, counts_breakdown
from consent_service.domain.campaigns import RunCounts, RunStatus
from consent_service.domain.purpose_texts import TITLES
from consent_service.domain.purposes import CATALOGUE
from consent_service.domain.schedule_words import describe, next_occurrences
from consent_service.domain.schedules import schedule_from_json
from consent_service.faces.languages import LANGUAGE_NAMES, current_locale
from consent_service.services.ports.campaigns import CampaignRow, RunRow

PURPOSES = TITLES
NEXT_DATES = 5


def status_words(status: str) -> str:
    """A campaign's or a run's status in the person's language (the value itself if new)."""
    words = {
        "draft": _("Draft"),
        "scheduled": _("Scheduled"),
        "paused": _("Paused"),
        "cancelled": _("Cancelled"),
        "completed": _("Completed"),
        "planned": _("Waiting for the mailer"),
        "running": _("Sending"),
        "failed": _("Failed"),
    }
    return words.get(status, status)


def campaign_purposes() -> list[tuple[str, str]]:
    """(id, title) of the purposes a campaign may be sent for: email and consent based."""
    return [
        (purpose.id, _(TITLES.get(purpose.id, purpose.id)))
        for purpose in CATALOGUE.values()
        if purpose.is_consent_based and purpose.is_email
    ]


def count_words() -> list[tuple[str, str]]:
    """(field of RunCounts, what it means) in the order a run page lists them."""
    return [
        ("recipients", _("Recipients")),
        ("sent", _("Sent")),
        ("skipped_withdrawn", _("Skipped: consent withdrawn meanwhile")),
        ("skipped_capped", _("Skipped: too many emails lately")),
        ("failed", _("Failed")),
        ("unknown", _("Outcome unknown")),
    ]


@dataclass(frozen=True)
class RunProgress:
    run: RunRow
    status: str
    """In words."""
    counts: RunCounts
    done: int
    """Recipients the mailer has dealt with, however."""

    @property
    def ended(self) -> bool:
        return self.run.state.status.is_terminal

    @property
    def running(self) -> bool:
        return self.run.state.status is RunStatus.RUNNING

    @property
    def percent(self) -> int:
        total = self.counts.recipients
        return 100 if self.ended and not total else (100 * self.done // total if total else 0)


def run_progress(run: RunRow) -> RunProgress:
    counts = run.state.counts
    done = sum(
        (
            counts.sent,
            counts.skipped_withdrawn,
            counts.skipped_capped,
            counts.failed,
            counts.unknown,
        )
    )
    return RunProgress(run, status_words(run.state.status.value), counts, done)


@dataclass(frozen=True)
class LocaleColumn:
    """One language's counts of a run, as the run page's table shows them."""

    locale: str
    language: str
    """The language's own name, as the language switch shows it."""
    cells: dict[str, Cell]
    """Per field of RunCounts; None below 5 (`domain.breakdowns`), shown as "< 5"."""


def locale_columns(run: RunRow) -> list[LocaleColumn] | None:
    """The run's counts per language in the console's order of languages; None while the
    mailer has not reported them (an older mailer)."""
    if run.state.by_locale is None:
        return None
    shown = counts_breakdown(run.state.by_locale)
    order = list(LANGUAGE_NAMES)
    ordered = sorted(
        shown, key=lambda code: (order.index(code) if code in order else len(order), code)
    )
    return [LocaleColumn(code, LANGUAGE_NAMES.get(code, code), shown[code]) for code in ordered]


@dataclass(frozen=True)
class ScheduleShown:
    words: str
    next_dates: list[str]
    """Formatted in the campaign's zone, in the person's language."""


def schedule_of(campaign: CampaignRow, now: datetime) -> ScheduleShown:
    """The schedule in words and, while it may still run, its next five dates."""
    if campaign.schedule is None:  # a draft nobody has given a schedule yet
        return ScheduleShown(_("No schedule yet"), [])
    schedule = schedule_from_json(campaign.schedule, campaign.created_at)
    locale = current_locale()
    dates = []
    if campaign.status in ("scheduled", "paused", "draft"):
        dates = next_occurrences(schedule, now, NEXT_DATES)
    return ScheduleShown(
        describe(schedule, locale),
        [
            format_datetime(date, "EEEE, d MMMM y, HH:mm", tzinfo=date.tzinfo, locale=locale)
            for date in dates
        ],
    )
