"""The rows of a consent import: what a row must carry to count as evidence, and what it does.

One row is one decision of one person about one purpose, with its evidence: when it was
made (`consented_at`), how it was collected (`source`) and under which policy version. A
row either applies whole or is rejected with every reason found; nothing here touches a
database, so the rules can be read (and tested) on their own. See docs/import.md.

An imported yes is granted at once, double opt-in or not: the row is itself the evidence of
a consent given earlier, elsewhere (docs/decisions/0015-import-and-retention.md). It never
overrides a later decision: a row older than what is on record for its purpose is rejected.
"""

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from consent_service.domain.consent import Change, SubjectConsents, wanted_status
from consent_service.domain.emails import email_key, normalize_email
from consent_service.domain.errors import DomainError, NotWithdrawable, UnknownPurpose
from consent_service.domain.evidence import truncate_ip
from consent_service.domain.ledger import timestamp
from consent_service.domain.locales import LOCALES
from consent_service.domain.purposes import consent_purpose
from plumbing.card_numbers import looks_like_card_number

REQUIRED_COLUMNS = ("email", "purpose", "status", "consented_at", "source", "policy_version")
OPTIONAL_COLUMNS = ("locale", "name", "external_id", "form_id", "ip", "user_agent")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
EVIDENCE_COLUMNS = ("consented_at", "source", "policy_version")
STATUSES = {"granted": True, "withdrawn": False}
MAX_LENGTHS = {"name": 200, "external_id": 200, "source": 64, "form_id": 100, "user_agent": 500}
FREE_TEXT = ("name", "external_id", "source", "form_id", "user_agent")


@dataclass(frozen=True)
class Rejection:
    """Why a row was not applied: a short code to sort by and a sentence to act on."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class Reasons(str):
    """Why a row was rejected, as the report writes it (`code: explanation; ...`), with the
    codes alone beside it: an explanation may quote the row, a code never does."""

    codes: tuple[str, ...]

    def __new__(cls, rejections: Iterable[Rejection]) -> "Reasons":
        found = tuple(rejections)
        reasons = super().__new__(cls, "; ".join(map(str, found)))
        reasons.codes = tuple(rejection.code for rejection in found)
        return reasons


class RowRejected(Exception):
    def __init__(self, *rejections: Rejection) -> None:
        super().__init__("; ".join(map(str, rejections)))
        self.rejections = rejections

    @property
    def reason(self) -> Reasons:
        return Reasons(self.rejections)


@dataclass(frozen=True)
class ImportRow:
    """A valid row: one decision with its evidence, normalised."""

    email: str
    email_key: str
    purpose: str
    wants: bool
    consented_at: datetime
    policy_version: str
    locale: str | None
    name: str | None
    external_id: str | None
    evidence: dict[str, str]
    """Goes beside the ledger entry (its digest into the chain): how, when and where."""


class PolicyCalendar:
    """Which policy version was in effect when: each is in effect from its `effective_at`
    until the next one's."""

    def __init__(self, versions: Iterable[tuple[str, datetime]]) -> None:
        ordered = sorted(versions, key=lambda item: item[1])
        self._starts = [effective_at for _, effective_at in ordered]
        self._versions = [version for version, _ in ordered]
        self._effective = dict(ordered)

    def problem(self, version: str, moment: datetime) -> Rejection | None:
        """None if `version` was the policy in effect at `moment`, else why not."""
        effective_at = self._effective.get(version)
        if effective_at is None:
            return Rejection("unknown_policy_version", f"No policy version '{version}' exists.")
        if effective_at > moment:
            return Rejection(
                "policy_not_in_effect",
                f"Policy version '{version}' took effect on {timestamp(effective_at)}, "
                "after consented_at.",
            )
        position = bisect.bisect_right(self._starts, moment) - 1
        in_effect = self._versions[position]
        if in_effect != version:
            return Rejection(
                "policy_not_in_effect",
                f"At consented_at policy version '{in_effect}' had replaced '{version}'.",
            )
        return None


def header_problems(columns: Iterable[str] | None) -> list[str]:
    """What is wrong with a file's header row; empty when it can be imported."""
    if columns is None:
        return ["the file is empty: it needs a header row"]
    seen = [c.strip() for c in columns]
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    unknown = [c for c in seen if c not in COLUMNS]
    if unknown:
        problems.append(
            f"unknown column(s): {', '.join(repr(c) for c in unknown)} "
            f"(known: {', '.join(COLUMNS)})"
        )
    duplicated = sorted({c for c in seen if seen.count(c) > 1})
    if duplicated:
        problems.append(f"repeated column(s): {', '.join(duplicated)}")
    return problems


def _text(raw: Mapping[str, str | None], column: str) -> str:
    return (raw.get(column) or "").strip()


def _consented_at(raw: str, now: datetime) -> tuple[datetime | None, Rejection | None]:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None, Rejection("invalid_consented_at", f"'{raw}' is not an ISO 8601 date and time.")
    if moment.tzinfo is None:
        return None, Rejection(
            "invalid_consented_at",
            f"'{raw}' has no time zone; add Z or an offset such as +06:00.",
        )
    if moment > now:
        return None, Rejection("future_consented_at", f"'{raw}' is in the future.")
    return moment, None


def _free_text_problems(raw: Mapping[str, str | None]) -> list[Rejection]:
    problems = []
    for column in FREE_TEXT:
        value = _text(raw, column)
        if len(value) > MAX_LENGTHS[column]:
            problems.append(
                Rejection("too_long", f"{column} has more than {MAX_LENGTHS[column]} characters.")
            )
        if looks_like_card_number(value):
            problems.append(Rejection("card_number", f"{column} looks like a payment card number."))
    return problems


def parse_row(
    raw: Mapping[str, str | None], *, now: datetime, policies: PolicyCalendar
) -> ImportRow:
    """The row's decision and evidence, or RowRejected naming everything wrong with it."""
    if None in raw or any(value is None for value in raw.values()):
        raise RowRejected(
            Rejection("malformed_row", "The row has more or fewer fields than the header.")
        )
    problems: list[Rejection] = []
    email = ""
    try:
        email = normalize_email(_text(raw, "email"))
    except DomainError as error:
        problems.append(Rejection("invalid_email", error.message))
    purpose = _text(raw, "purpose")
    try:
        consent_purpose(purpose)
    except NotWithdrawable as error:
        problems.append(Rejection("not_consent_purpose", error.message))
    except UnknownPurpose as error:
        problems.append(Rejection("unknown_purpose", error.message))
    status = _text(raw, "status").lower()
    if status not in STATUSES:
        problems.append(
            Rejection("invalid_status", f"status must be 'granted' or 'withdrawn', not '{status}'.")
        )
    missing = [c for c in EVIDENCE_COLUMNS if not _text(raw, c)]
    if missing:
        problems.append(
            Rejection("missing_evidence", f"{', '.join(missing)} must be given for every row.")
        )
    consented_at = None
    if _text(raw, "consented_at"):
        consented_at, problem = _consented_at(_text(raw, "consented_at"), now)
        problems += [problem] if problem else []
    version = _text(raw, "policy_version")
    if version and consented_at is not None:
        problem = policies.problem(version, consented_at)
        problems += [problem] if problem else []
    locale = _text(raw, "locale") or None
    if locale is not None and locale not in LOCALES:
        problems.append(Rejection("invalid_locale", f"locale must be one of {', '.join(LOCALES)}."))
    ip = _text(raw, "ip")
    if ip:
        try:
            ip = truncate_ip(ip)
        except ValueError:
            problems.append(Rejection("invalid_ip", f"'{ip}' is not an IP address."))
    problems += _free_text_problems(raw)
    if problems:
        raise RowRejected(*problems)
    assert consented_at is not None
    evidence = {
        "method": _text(raw, "source"),
        "consented_at": timestamp(consented_at),
        "form_id": _text(raw, "form_id"),
        "ip": ip,
        "user_agent": _text(raw, "user_agent"),
    }
    return ImportRow(
        email=email,
        email_key=email_key(email),
        purpose=purpose,
        wants=STATUSES[status],
        consented_at=consented_at,
        policy_version=version,
        locale=locale,
        name=_text(raw, "name") or None,
        external_id=_text(raw, "external_id") or None,
        evidence={k: v for k, v in evidence.items() if v},
    )


def apply_row(
    consents: SubjectConsents, decided_at: dict[str, datetime], row: ImportRow
) -> Change | None:
    """Apply one row to a subject's consents; None when it only repeats what is recorded.

    `decided_at` holds, per purpose, when the recorded decision was made; a row that would
    change the status but is not newer than it is rejected (`superseded`), so an old list
    can never undo a withdrawal made since. A yes for a pending purpose changes nothing, as
    on every other path (the pending purpose waits for its confirmation).
    """
    current = consents.statuses.get(row.purpose)
    if wanted_status(current, row.wants, needs_confirmation=False) is None:
        return None
    last = decided_at.get(row.purpose)
    if last is not None and row.consented_at <= last:
        raise RowRejected(
            Rejection(
                "superseded",
                f"A later decision for '{row.purpose}' ({current}, {timestamp(last)}) "
                "is on record.",
            )
        )
    change = consents.decide(row.purpose, row.wants, double_opt_in=False)
    decided_at[row.purpose] = row.consented_at
    return change
