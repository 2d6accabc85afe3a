"""Versioned privacy policies: which version a consent is given under, and who published it.

A version is never edited, so a consent's `policy_version` always names the text the person
saw. The console publishes only complete, future versions (`publish_reviewed`, decision 0044);
the API keeps its own, older contract (`publish_policy`).
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from consent_service.domain.errors import Conflict, DomainError, UnknownPolicyVersion
from consent_service.services.ports import Repository
from plumbing.text import storable

VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
"""The API's rule for a version name (schemas/api/catalogue.py)."""
MAX_DOCUMENT = 200_000


@dataclass(frozen=True)
class PolicyVersion:
    version: str
    effective_at: datetime
    documents: dict[str, str]
    published_by: str | None = None
    """`console:<user id>` or an API key's id, as the ledger names actors; None when the
    version was published before the registry recorded it (migration 0014)."""


class PolicyRefused(DomainError):
    """A publication the console's rules refuse: a problem code per form field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("The policy version was not published: " + ", ".join(sorted(problems)))
        self.problems = problems


def resolve_policy_version(registry: Repository, requested: str | None, now: datetime) -> str:
    """The version a consent is bound to: the one named if it is in effect, else the current."""
    if requested is None:
        current = registry.current_policy_version(now)
        if current is None:
            raise UnknownPolicyVersion("No policy is in effect yet; publish one first.")
        return current
    effective_at = registry.policy_effective_at(requested)
    if effective_at is None:
        raise UnknownPolicyVersion(f"Unknown policy version '{requested}'.")
    if effective_at > now:
        raise UnknownPolicyVersion(f"Policy version '{requested}' is not in effect yet.")
    return requested


def list_policies(registry: Repository) -> list[PolicyVersion]:
    return [PolicyVersion(v, at, docs, by) for v, at, docs, by in registry.policies()]


def current_policy(registry: Repository, now: datetime) -> PolicyVersion:
    version = registry.current_policy_version(now)
    for policy in list_policies(registry):
        if policy.version == version:
            return policy
    raise UnknownPolicyVersion("No policy is in effect yet.")


def publish_policy(
    registry: Repository,
    version: str,
    effective_at: datetime,
    documents: dict[str, str],
    default_locale: str,
    now: datetime,
    published_by: str | None = None,
) -> PolicyVersion:
    """Add a version; versions are never edited, so a published text stays provable."""
    if default_locale not in documents:
        raise DomainError(
            f"A policy needs a document in the default locale '{default_locale}'.",
            field="documents",
        )
    if registry.policy_effective_at(version) is not None:
        raise Conflict(f"Policy version '{version}' exists already; versions are never edited.")
    registry.add_policy(version, effective_at, documents, now, published_by)
    return PolicyVersion(version, effective_at, documents, published_by)


def publish_reviewed(
    registry: Repository,
    version: str,
    effective_at: datetime | None,
    documents: dict[str, str],
    locales: Collection[str],
    now: datetime,
    published_by: str,
) -> PolicyVersion:
    """Publish a version as the console does: a text in every one of `locales`, and an
    effective moment not before `now`, so that no consent already given is found to have been
    given under a text that did not exist yet. Every problem is named at once, by field."""
    problems: dict[str, str] = {}
    if not VERSION_PATTERN.match(version):
        problems["version"] = "invalid"
    elif registry.policy_effective_at(version) is not None:
        problems["version"] = "exists"
    if effective_at is None:
        problems["effective_at"] = "invalid"
    elif effective_at < now:
        problems["effective_at"] = "past"
    for locale in locales:
        text = documents.get(locale, "")
        if not text.strip():
            problems[locale] = "missing"
        elif len(text) > MAX_DOCUMENT or not storable(text):
            problems[locale] = "invalid"
    if problems or effective_at is None:
        raise PolicyRefused(problems)
    chosen = {locale: documents[locale] for locale in locales}
    default_locale = next(iter(locales))
    return publish_policy(
        registry, version, effective_at, chosen, default_locale, now, published_by=published_by
    )


def in_effect(policies: list[PolicyVersion], now: datetime) -> PolicyVersion | None:
    """The version in effect at `now` among `policies` (oldest first), if any."""
    started = [policy for policy in policies if policy.effective_at <= now]
    return started[-1] if started else None


def previous_version(policies: list[PolicyVersion], version: str) -> PolicyVersion | None:
    """The version before `version` in effective order: the one its diff is drawn against."""
    for before, after in pairwise(policies):
        if after.version == version:
            return before
    return None
