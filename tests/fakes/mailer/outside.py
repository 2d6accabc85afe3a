"""What the mailer's services talk to beyond their database, in memory: the registry's client,
an email backend, a report sink, a clock, a throttle and a composer."""

import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mailer.domain.events import Snapshot
from mailer.domain.outgoing import Content, Envelope, Outcome, Outgoing, Person
from mailer.domain.runs import RunRecord
from mailer.services.compose import CompositionError
from mailer.services.fence import RegistryClientError
from mailer.services.reports import ReportNotPublished
from plumbing.catch_up import SubjectState, bucket_digests, bucket_of


class FakeRegistryClient:
    """The registry's sync API over `snapshots` (a `RegistryFeed` and a `RegistryCheck`).

    `suppressed` ids hold an address on the suppression list; while `down`, every call
    fails as the HTTP client's do. `asked`, `fetched` and `buckets_fetched` record the calls;
    `on_answer` runs just before each answer (to change something meanwhile).
    """

    def __init__(self, *snapshots: Snapshot) -> None:
        self.snapshots = {snapshot.subject_id: snapshot for snapshot in snapshots}
        self.suppressed: set[uuid.UUID] = set()
        self.down = False
        self.on_answer: Callable[[], None] | None = None
        self.asked: list[list[uuid.UUID]] = []
        self.fetched: list[list[uuid.UUID]] = []
        self.buckets_fetched: list[str] = []

    def hold(self, *snapshots: Snapshot) -> None:
        self.snapshots |= {snapshot.subject_id: snapshot for snapshot in snapshots}

    def digests(self) -> dict[str, str]:
        self._answer()
        return bucket_digests(
            SubjectState(
                str(s.subject_id),
                s.version,
                s.erased,
                {p: (c.status, c.version) for p, c in s.consents.items()},
            )
            for s in self.snapshots.values()
        )

    def bucket(self, bucket: str) -> list[Snapshot]:
        self.buckets_fetched.append(bucket)
        self._answer()
        return [s for i, s in self.snapshots.items() if bucket_of(str(i)) == bucket]

    def fence_versions(
        self, ids: Sequence[uuid.UUID], purpose: str
    ) -> dict[uuid.UUID, tuple[int, int, bool]]:
        self.asked.append(list(ids))
        self._answer()
        found = {}
        for subject_id in ids:
            snapshot = self.snapshots.get(subject_id)
            if snapshot is not None:
                state = snapshot.consents.get(purpose)
                of_purpose = state.version if state else 0
                found[subject_id] = (snapshot.version, of_purpose, subject_id in self.suppressed)
        return found

    def subjects(self, ids: Sequence[uuid.UUID]) -> list[Snapshot]:
        self.fetched.append(list(ids))
        self._answer()
        return [self.snapshots[i] for i in ids if i in self.snapshots]

    def _answer(self) -> None:
        if self.down:
            raise RegistryClientError("registry answered 503 to POST /v1/sync/versions")
        if self.on_answer is not None:
            self.on_answer()


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the worker catches it."""


@dataclass
class FakeBackend:
    """Records every group handed to it and answers `answer(subject_id)` for each envelope
    (None leaves one out of the answer, as a broken backend might). `dies_after` calls, the
    next call raises `Killed` before anything is sent. `on_send` runs before each call."""

    max_envelopes: int = 1000
    answer: Callable[[uuid.UUID], Outcome | None] = lambda subject_id: Outcome(subject_id, "sent")
    dies_after: int | None = None
    on_send: Callable[[Outgoing], None] | None = None
    calls: list[Outgoing] = field(default_factory=list)

    def send(self, outgoing: Outgoing) -> list[Outcome]:
        if self.dies_after is not None and len(self.calls) >= self.dies_after:
            raise Killed
        if self.on_send is not None:
            self.on_send(outgoing)
        self.calls.append(outgoing)
        answers = (self.answer(envelope.subject_id) for envelope in outgoing.envelopes)
        return [outcome for outcome in answers if outcome is not None]

    @property
    def handed(self) -> Counter[uuid.UUID]:
        """How often each person was handed to the backend."""
        return Counter(e.subject_id for call in self.calls for e in call.envelopes)

    def categories(self) -> list[str]:
        return [call.category for call in self.calls]


class FakeSink:
    """Collects published reports; refuses them while `down`."""

    def __init__(self) -> None:
        self.reports: list[Mapping[str, Any]] = []
        self.down = False

    def publish(self, report: Mapping[str, Any]) -> None:
        if self.down:
            raise ReportNotPublished("broker unreachable")
        self.reports.append(report)


class FakeClock:
    """A clock the test moves: `advance` moves the time and the monotonic seconds alike."""

    def __init__(self, start: datetime | None = None) -> None:
        self.at = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self.seconds = 1000.0

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, by: timedelta) -> None:
        self.at += by
        self.seconds += by.total_seconds()


class FakeThrottle:
    """Never waits; records what was reserved and given back. `stopping` answers as a worker
    told to stop does."""

    def __init__(self) -> None:
        self.stopping = False
        self.reserved: list[int] = []
        self.given_back: list[int] = []
        self.confirmations: list[int] = []

    def wait_for_batch(self, emails: int) -> bool:
        self.reserved.append(emails)
        return self.stopping

    def wait_for_confirmation(self, emails: int) -> bool:
        self.confirmations.append(emails)
        return self.stopping

    def give_back(self, emails: int) -> None:
        self.given_back.append(emails)


class FakeComposer:
    """One envelope per person, one group per `max_envelopes`, a subject naming the run; a run
    whose content names no default locale cannot be composed (as `CampaignComposer`)."""

    def __init__(self, run: RunRecord) -> None:
        if run.default_locale not in run.content:
            raise CompositionError(f"no version in the default locale {run.default_locale!r}")
        self.run = run

    def compose(self, people: Sequence[Person], *, max_envelopes: int = 1000) -> list[Outgoing]:
        content = Content(f"run {self.run.run_id}", "<p>news</p>", "news")
        envelopes = [Envelope(person.subject_id, person.address) for person in people]
        return [
            Outgoing(content, envelopes[start : start + max_envelopes])
            for start in range(0, len(envelopes), max_envelopes)
        ]


@dataclass
class RecordingMeter:
    """The services' `Meter`, keeping every figure for the test to read."""

    applied: Counter[str] = field(default_factory=Counter)
    propagation: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    """Campaign emails by outcome."""
    fence: list[tuple[str, float]] = field(default_factory=list)
    handoffs: list[float] = field(default_factory=list)

    def events_applied(self, outcome: str, count: int) -> None:
        self.applied[outcome] += count

    def propagated(self, seconds: float) -> None:
        self.propagation.append(seconds)

    def emails(self, outcome: str, count: int) -> None:
        self.outcomes[outcome] += count

    def fence_called(self, outcome: str, seconds: float) -> None:
        self.fence.append((outcome, seconds))

    def handed_off(self, seconds: float) -> None:
        self.handoffs.append(seconds)
