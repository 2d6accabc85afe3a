"""The history on the preference centre: the person's own ledger, in their words.

The same entries as the download and `GET .../history` give (services/views.py), newest
first: a consent change names the purpose and its new state, a change of contact details or
language says so, and an end to our emails after a bounce or a complaint too. A change that
came with the browser's Global Privacy Control signal says that as well (decision 0039), so
the person can see the signal was received. The page shows the latest `SHOWN` entries; the
download holds them all.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from consent_service.domain.purposes import CATALOGUE
from consent_service.services.esp_events import SUPPRESSION
from consent_service.services.subject_changes import SUBJECT
from consent_service.services.views import HistoryEntry

SHOWN = 20
CONSENT = "consent"


@dataclass(frozen=True)
class Line:
    recorded_at: datetime
    text: str
    gpc: bool


@dataclass(frozen=True)
class History:
    lines: list[Line]
    more: bool
    """Older entries exist than the page shows."""


def _text(entry: HistoryEntry, state: Callable[[str | None], str]) -> str:
    if entry.kind == CONSENT and entry.purpose in CATALOGUE:
        return f"{_(CATALOGUE[entry.purpose].title)}: {state(entry.status)}"
    if entry.kind == SUBJECT:
        return _("Your contact details or language were changed")
    if entry.kind == SUPPRESSION:
        return _("Our emails to your address were stopped")
    return _("Another change to your data")


def history(entries: list[HistoryEntry], state: Callable[[str | None], str]) -> History:
    """The latest entries, newest first; `state` words a consent status as the page does."""
    latest = list(reversed(entries))[:SHOWN]
    lines = [Line(e.recorded_at, _text(e, state), e.gpc) for e in latest]
    return History(lines, more=len(entries) > SHOWN)
