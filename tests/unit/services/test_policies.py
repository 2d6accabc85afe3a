"""Publishing a policy version: who published it is kept with it; the console's way
(`publish_reviewed`) needs a text in every language and a moment not in the past, names every
problem at once and publishes nothing when there is one; which version is in effect and which
one a version is compared with."""

from datetime import UTC, datetime, timedelta

import pytest

from consent_service.domain.errors import Conflict
from consent_service.services.policies import (
    PolicyRefused,
    in_effect,
    list_policies,
    previous_version,
    publish_policy,
    publish_reviewed,
)
from tests.unit.services.conftest import NOW, POLICY

LOCALES = ("ky", "ru", "en")
TEXTS = {"ky": "Саясат 2", "ru": "Политика 2", "en": "Policy 2"}
ADMIN = "console:7d8e1c52-5b1e-4d8a-9a57-0d1f7d0b3c11"


def reviewed(registry, **changes):
    arguments = {
        "version": "2026-12-01",
        "effective_at": NOW + timedelta(days=11),
        "documents": TEXTS,
        "locales": LOCALES,
        "now": NOW,
        "published_by": ADMIN,
    } | changes
    return publish_reviewed(registry, **arguments)


def test_the_publisher_is_kept_with_the_version(registry) -> None:
    reviewed(registry)

    listed = {policy.version: policy for policy in list_policies(registry)}
    assert listed["2026-12-01"].published_by == ADMIN
    assert listed["2026-12-01"].documents == TEXTS
    assert listed[POLICY].published_by is None  # published before it was recorded


def test_an_api_key_is_kept_as_the_publisher(registry) -> None:
    publish_policy(registry, "v2", NOW, {"ky": "Саясат"}, "ky", NOW, published_by="a1b2c3d4e5f6")

    assert list_policies(registry)[-1].published_by == "a1b2c3d4e5f6"


def test_a_moment_equal_to_now_is_not_in_the_past(registry) -> None:
    assert reviewed(registry, effective_at=NOW).effective_at == NOW


def test_every_problem_is_named_at_once_and_nothing_is_published(registry, tables) -> None:
    with pytest.raises(PolicyRefused) as refused:
        reviewed(
            registry,
            version="no spaces",
            effective_at=NOW - timedelta(seconds=1),
            documents={"ky": " ", "ru": "x\x00", "en": "ok"},
        )

    assert refused.value.problems == {
        "version": "invalid",
        "effective_at": "past",
        "ky": "missing",
        "ru": "invalid",
    }
    assert set(tables.policies) == {POLICY}


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"version": POLICY}, {"version": "exists"}),
        ({"effective_at": None}, {"effective_at": "invalid"}),
        ({"documents": {"ky": "a", "ru": "b"}}, {"en": "missing"}),
        ({"documents": TEXTS | {"en": "x" * 200_001}}, {"en": "invalid"}),
        ({"version": "x" * 33}, {"version": "invalid"}),
    ],
)
def test_a_refused_version_names_its_problem(registry, tables, changes, problems) -> None:
    with pytest.raises(PolicyRefused) as refused:
        reviewed(registry, **changes)

    assert refused.value.problems == problems
    assert set(tables.policies) == {POLICY}


def test_only_the_chosen_languages_are_published(registry) -> None:
    published = reviewed(registry, documents=TEXTS | {"de": "Politik"})

    assert set(published.documents) == set(LOCALES)


def test_the_api_still_refuses_a_version_twice(registry) -> None:
    with pytest.raises(Conflict):
        publish_policy(registry, POLICY, NOW, {"ky": "x"}, "ky", NOW)


def test_in_effect_and_previous_follow_the_effective_order(registry) -> None:
    reviewed(registry, version="later", effective_at=NOW + timedelta(days=30))
    reviewed(registry, version="sooner", effective_at=NOW + timedelta(days=2))
    policies = list_policies(registry)

    assert [policy.version for policy in policies] == [POLICY, "sooner", "later"]
    assert in_effect(policies, NOW).version == POLICY
    assert in_effect(policies, NOW + timedelta(days=2)).version == "sooner"
    assert in_effect(policies, datetime(2020, 1, 1, tzinfo=UTC)) is None
    assert previous_version(policies, "later").version == "sooner"
    assert previous_version(policies, POLICY) is None
