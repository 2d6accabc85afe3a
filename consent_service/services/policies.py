"""Versioned privacy policies: which version a consent is given under."""

from dataclasses import dataclass
from datetime import datetime

from consent_service.domain.errors import Conflict, DomainError, UnknownPolicyVersion
from consent_service.services.ports import Repository


@dataclass(frozen=True)
class PolicyVersion:
    version: str
    effective_at: datetime
    documents: dict[str, str]


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
    return [PolicyVersion(v, at, docs) for v, at, docs in registry.policies()]


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
) -> PolicyVersion:
    """Add a version; versions are never edited, so a published text stays provable."""
    if default_locale not in documents:
        raise DomainError(
            f"A policy needs a document in the default locale '{default_locale}'.",
            field="documents",
        )
    if registry.policy_effective_at(version) is not None:
        raise Conflict(f"Policy version '{version}' exists already; versions are never edited.")
    registry.add_policy(version, effective_at, documents, now)
    return PolicyVersion(version, effective_at, documents)
