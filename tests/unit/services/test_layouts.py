"""Layouts through the service on the in-memory fakes: every problem named at once and
nothing stored; a replacement is whole; a campaign's runs carry its layout as it was."""

import uuid
from datetime import timedelta

import pytest

from consent_service.domain.campaigns import InvalidCampaign
from consent_service.domain.layouts import InvalidLayout, LayoutNotFound
from consent_service.services import layouts
from consent_service.services.campaigns import NewCampaign, create_campaign, start_run
from plumbing.shop import Shop
from schemas.messages import load_message
from tests.campaigns.factories import CONTENT, LAYOUT_VERSIONS
from tests.unit.services.conftest import NOW


def create(registry, versions=LAYOUT_VERSIONS, name="Winter"):
    return layouts.create_layout(registry.layouts, name, versions, default_locale="ky", now=NOW)


def test_every_problem_is_named_at_once_and_nothing_is_stored(registry, tables) -> None:
    versions = {
        "ky": {**LAYOUT_VERSIONS["ky"], "legal_name": "", "logo_url": "ftp://x"},
        "ru": {"shop_name": "", "legal_name": "ООО", "postal_address": ""},  # noqa: RUF001
    }

    with pytest.raises(InvalidLayout) as refused:
        create(registry, versions, name=" ")

    errors = refused.value.errors
    assert set(errors) == {"name", "versions"}
    assert set(errors["versions"]["ky"]) == {"legal_name", "logo_url"}
    assert set(errors["versions"]["ru"]) == {"shop_name", "postal_address"}
    assert tables.layouts == {}


def test_a_layout_without_the_default_locale_is_refused(registry, tables) -> None:
    with pytest.raises(InvalidLayout) as refused:
        create(registry, {"en": LAYOUT_VERSIONS["en"]})

    assert "ky" in refused.value.errors["versions"]
    assert tables.layouts == {}


def test_values_are_trimmed_and_a_replacement_is_whole(registry) -> None:
    created = create(registry, {"ky": {**LAYOUT_VERSIONS["ky"], "legal_name": "  ЖЧК  "}})
    assert created.versions["ky"].legal_name == "ЖЧК"

    later = NOW + timedelta(hours=1)
    replaced = layouts.replace_layout(
        registry.layouts, created.id, "Spring", LAYOUT_VERSIONS, default_locale="ky", now=later
    )

    assert replaced == layouts.get_layout(registry.layouts, created.id)
    assert (replaced.name, sorted(replaced.versions), replaced.updated_at) == (
        "Spring",
        ["en", "ky"],
        later,
    )
    assert replaced.created_at == NOW


def test_an_unknown_layout_is_not_found(registry) -> None:
    with pytest.raises(LayoutNotFound):
        layouts.replace_layout(
            registry.layouts, uuid.uuid4(), "X", LAYOUT_VERSIONS, default_locale="ky", now=NOW
        )


def test_the_default_layout_is_the_brand_settings_in_every_locale() -> None:
    shop = Shop("Аю", "a@ayu.kg", legal_name="Ayu LLC", postal_address="Bishkek 1")

    default = layouts.default_layout(shop)

    assert set(default) == {"ky", "ru", "en"}
    assert {v.legal_name for v in default.values()} == {"Ayu LLC"}
    assert {v.postal_address for v in default.values()} == {"Bishkek 1"}


def test_a_run_carries_the_layout_as_it_was_when_requested(registry, tables) -> None:
    layout = create(registry)
    campaign = create_campaign(
        registry.campaigns,
        NewCampaign(
            "News", "newsletters", CONTENT, {"at": NOW + timedelta(days=1)}, layout=layout.id
        ),
        default_locale="ky",
        now=NOW,
    ).campaign
    start_run(registry.campaigns, campaign.id, NOW)
    layouts.replace_layout(
        registry.layouts,
        layout.id,
        "Winter",
        {"ky": {**LAYOUT_VERSIONS["ky"], "legal_name": "Жаңы ЖЧК"}},
        default_locale="ky",
        now=NOW,
    )

    [message] = [m for m in tables.messages() if m["schema"] == "campaign.run_requested/1"]
    assert (
        load_message(message)["layout"]["ky"]["legal_name"] == LAYOUT_VERSIONS["ky"]["legal_name"]
    )


def test_a_campaign_naming_an_unknown_layout_is_refused(registry, tables) -> None:
    with pytest.raises(InvalidCampaign) as refused:
        create_campaign(
            registry.campaigns,
            NewCampaign(
                "News", "newsletters", CONTENT, {"at": NOW + timedelta(days=1)}, layout=uuid.uuid4()
            ),
            default_locale="ky",
            now=NOW,
        )

    assert "layout" in refused.value.errors
    assert tables.campaigns == {}
