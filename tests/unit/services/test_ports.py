"""Every port has its SQL implementation and its in-memory fake, of the same shape.

The service-layer tests prove the rules on the fakes and the integration tests prove the SQL
stores; that only adds up if both implement the same ports. This checks the shape (every
method and property of the port, with the same parameters) without a type checker or a
database.
"""

import inspect

import pytest

from consent_service.adapters import (
    campaign_store,
    erasure_store,
    form_store,
    import_store,
    key_store,
    layout_store,
    ledger_audit,
    link_email_store,
    link_token_store,
    outbox_relay,
    repository,
    retention_store,
    rights_store,
    suppression_store,
    sync_reads,
    transfer_client,
    transfer_store,
    unit_of_work,
    webhook_store,
)
from consent_service.adapters.broker import Publisher
from consent_service.services import ports
from consent_service.services.ports import (
    campaigns,
    erasure,
    forms,
    imports,
    keys,
    layouts,
    ledger,
    links,
    outbox,
    retention,
    rights,
    subjects,
    suppressions,
    transfers,
    webhooks,
)
from tests.fakes import campaigns as fake_campaigns
from tests.fakes import jobs, registry, stores
from tests.fakes import layouts as fake_layouts

IMPLEMENTATIONS = [
    (ports.Repository, repository.SqlRepository, registry.FakeRepository),
    (ports.UnitOfWork, unit_of_work.SqlUnitOfWork, registry.FakeUnitOfWork),
    (subjects.SyncReads, sync_reads.SyncReadStore, jobs.FakeSyncReads),
    (ledger.LedgerAudit, ledger_audit.LedgerAuditStore, jobs.FakeLedgerAudit),
    (outbox.OutboxRelay, outbox_relay.OutboxRelayStore, jobs.FakeOutboxRelay),
    (suppressions.Suppressions, suppression_store.SuppressionStore, stores.FakeSuppressions),
    (erasure.PersonalData, erasure_store.ErasureStore, stores.FakePersonalData),
    (rights.RightsRequests, rights_store.RightsStore, stores.FakeRightsRequests),
    (links.LinkEmails, link_email_store.LinkEmailStore, stores.FakeLinkEmails),
    (links.LinkTokens, link_token_store.LinkTokenStore, stores.FakeLinkTokens),
    (forms.Forms, form_store.FormStore, stores.FakeForms),
    (keys.ApiKeys, key_store.KeyStore, stores.FakeApiKeys),
    (transfers.Transfers, transfer_store.TransferStore, stores.FakeTransfers),
    (webhooks.WebhookEvents, webhook_store.WebhookStore, stores.FakeWebhookEvents),
    (retention.RetentionCandidates, retention_store.RetentionStore, jobs.FakeRetentionCandidates),
    (campaigns.Campaigns, campaign_store.CampaignStore, fake_campaigns.FakeCampaigns),
    (imports.ImportBatch, import_store.ImportStore, jobs.FakeImportBatch),
    (layouts.Layouts, layout_store.LayoutStore, fake_layouts.FakeLayouts),
]
ADAPTERS_ONLY = [
    (outbox.Publisher, Publisher),
    (transfers.Poster, transfer_client.HttpPoster),
]


def members(port: type) -> dict[str, object]:
    """The port's methods and properties, its own and those of the ports it extends."""
    found: dict[str, object] = {}
    for base in reversed(port.__mro__):
        if base is object or not getattr(base, "_is_protocol", False):
            continue
        found |= {n: v for n, v in vars(base).items() if not n.startswith("_")}
    return found


def parameters(function: object) -> list[tuple[str, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [(p.name, p.kind) for p in list(signature.parameters.values())[1:]]


def instance_members(implementation: type) -> set[str]:
    """What an instance offers: the class's attributes and those its constructors set."""
    constructors = [
        vars(cls)["__init__"] for cls in implementation.__mro__ if "__init__" in vars(cls)
    ]
    assigned = {
        line.strip().removeprefix("self.").split(" ")[0].split(",")[0]
        for init in constructors
        if inspect.isfunction(init)
        for line in inspect.getsource(init).splitlines()
        if line.strip().startswith("self.")
    }
    return set(dir(implementation)) | assigned


def check(port: type, implementation: type) -> None:
    offered = instance_members(implementation)
    for name, member in members(port).items():
        assert name in offered, f"{implementation.__name__} lacks {name}"
        if inspect.isfunction(member):
            assert parameters(getattr(implementation, name)) == parameters(member), (
                f"{implementation.__name__}.{name} differs from {port.__name__}.{name}"
            )


@pytest.mark.parametrize(
    ("port", "sql", "fake"), IMPLEMENTATIONS, ids=[p.__name__ for p, _, _ in IMPLEMENTATIONS]
)
def test_the_sql_store_and_the_fake_implement_the_port(port, sql, fake) -> None:
    check(port, sql)
    check(port, fake)


@pytest.mark.parametrize(("port", "adapter"), ADAPTERS_ONLY, ids=lambda p: p.__name__)
def test_the_adapter_implements_the_port(port, adapter) -> None:
    check(port, adapter)


def test_the_check_finds_a_missing_method_and_a_changed_one() -> None:
    class Lacking:
        def add_form(self, form): ...

    class Changed(Lacking):
        def form(self, form_id, locale): ...

        def forms(self): ...

    with pytest.raises(AssertionError, match="lacks form"):
        check(forms.Forms, Lacking)
    with pytest.raises(AssertionError, match=r"Changed\.form differs"):
        check(forms.Forms, Changed)
    assert {"suppressions", "campaigns"} <= instance_members(registry.FakeRepository)
