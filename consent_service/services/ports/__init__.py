"""The ports of the registry's services: what they read and write through, as Protocols.

Services depend on these, never on an adapter. The SQL implementations live in
`consent_service/adapters/` (`SqlRepository`, `SqlUnitOfWork` and the stores they hand out);
the in-memory ones the service-layer tests run on, in `tests/fakes/`. Each module here is one
group of rows and the use cases that read them; `Repository` is what a use case receives,
and `UnitOfWork` what a long-running job opens its transactions with.
"""

from contextlib import AbstractContextManager
from typing import Protocol

from consent_service.services.ports.campaigns import Campaigns
from consent_service.services.ports.erasure import PersonalData
from consent_service.services.ports.forms import Forms
from consent_service.services.ports.idempotency import IdempotentRequests
from consent_service.services.ports.imports import ImportBatch
from consent_service.services.ports.keys import ApiKeys
from consent_service.services.ports.layouts import Layouts
from consent_service.services.ports.ledger import Ledger, LedgerAudit
from consent_service.services.ports.links import LinkEmails
from consent_service.services.ports.meters import ChangeMeter
from consent_service.services.ports.outbox import Outbox, OutboxRelay
from consent_service.services.ports.policies import Policies
from consent_service.services.ports.retention import RetentionCandidates
from consent_service.services.ports.rights import RightsRequests
from consent_service.services.ports.subjects import Subjects, SyncReads
from consent_service.services.ports.suppressions import Suppressions
from consent_service.services.ports.tallies import Tallies
from consent_service.services.ports.transfers import Transfers
from consent_service.services.ports.webhooks import WebhookEvents


class Repository(
    Subjects, Ledger, Outbox, Tallies, ChangeMeter, Policies, IdempotentRequests, Protocol
):
    """Everything a use case reads and writes, in the caller's transaction.

    What a consent change reads and writes (subject, consents, policy, ledger, outbox, and
    the stored answer of an Idempotency-Key) are its own methods: the write path the API
    serves most. The rest is reached through one store per group, so a use case that needs
    the suppression list writes `registry.suppressions.add(...)`.
    """

    @property
    def sync(self) -> SyncReads: ...

    @property
    def audit(self) -> LedgerAudit: ...

    @property
    def relay(self) -> OutboxRelay: ...

    @property
    def suppressions(self) -> Suppressions: ...

    @property
    def personal_data(self) -> PersonalData: ...

    @property
    def rights(self) -> RightsRequests: ...

    @property
    def link_emails(self) -> LinkEmails: ...

    @property
    def forms(self) -> Forms: ...

    @property
    def api_keys(self) -> ApiKeys: ...

    @property
    def transfers(self) -> Transfers: ...

    @property
    def webhook_events(self) -> WebhookEvents: ...

    @property
    def retention(self) -> RetentionCandidates: ...

    @property
    def campaigns(self) -> Campaigns: ...

    @property
    def layouts(self) -> Layouts: ...

    def import_batch(self) -> ImportBatch:
        """The batch reads and writes of an import, in this transaction."""
        ...


class WriteConflict(Exception):
    """Another transaction wrote a row this one meant to create (a unique key); everything
    was rolled back, and running the work again finds the other row."""


class UnitOfWork(Protocol):
    """How a job that is no request (the relay, an import, the purge) opens transactions."""

    def transaction(self) -> AbstractContextManager[Repository]:
        """Committed when the block ends, rolled back if it raises; WriteConflict when a
        write in it lost a race on a unique key."""
        ...

    def reading(self) -> AbstractContextManager[Repository]:
        """For reads only: nothing done in it is committed."""
        ...

    def forget_deleted(self) -> None:
        """After erasures: no deleted content may linger in the database's own files."""
        ...
