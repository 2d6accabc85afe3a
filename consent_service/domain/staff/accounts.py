"""A member of staff, a console session, and an entry of the console audit log, as plain data.

The services decide with these and the stores keep them (consent_service/adapters/
staff_store.py); nothing here knows a table or a request.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from consent_service.domain.staff.roles import ROLES, scopes_of


@dataclass(frozen=True)
class StaffAccount:
    """A person who may work in the console.

    `roles` are role names (domain/staff/roles.py). Someone who signs in through the identity
    provider has an issuer and a subject and no password; their roles come from their groups at
    every sign-in.
    """

    id: uuid.UUID
    email: str | None
    name: str | None
    roles: frozenset[str]
    created_at: datetime
    password_hash: str | None = None
    must_change_password: bool = False
    oidc_issuer: str | None = None
    oidc_subject: str | None = None
    totp_secret: str | None = None
    totp_last_step: int | None = None
    language: str | None = None
    disabled_at: datetime | None = None

    @property
    def scopes(self) -> frozenset[str]:
        """What the person may do: the union of their roles' scopes. A role name the code no
        longer knows (a row older than a removed role) gives nothing rather than an error."""
        return scopes_of(ROLES[name] for name in self.roles if name in ROLES)

    @property
    def single_sign_on(self) -> bool:
        return self.oidc_subject is not None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def actor(self) -> str:
        """The person as the consent ledger names an actor (SPEC section 9)."""
        return f"console:{self.id}"

    @property
    def shown_name(self) -> str:
        return self.name or self.email or self.oidc_subject or str(self.id)


class SignInMethod(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a method's name, not a password
    SINGLE_SIGN_ON = "oidc"


@dataclass(frozen=True)
class StaffSession:
    """A signed-in session, known by the SHA-256 of the id its cookie holds."""

    id_hash: bytes
    user_id: uuid.UUID
    method: SignInMethod
    signed_in_at: datetime
    last_seen_at: datetime
    second_factor_at: datetime | None = None
    pending_totp_secret: str | None = None


class AuditAction(StrEnum):
    """What the console audit log records. Sign-ins are there too: who was in, and when."""

    USER_CREATED = "user.created"
    USER_CREATED_BY_PROVIDER = "user.created_by_provider"
    ROLES_CHANGED = "user.roles_changed"
    ROLES_CHANGED_BY_PROVIDER = "user.roles_changed_by_provider"
    USER_DISABLED = "user.disabled"
    SIGN_IN_RESET = "user.sign_in_reset"
    SIGNED_IN = "session.signed_in"
    SIGNED_OUT = "session.signed_out"
    PASSWORD_CHANGED = "user.password_changed"  # noqa: S105 - an action's name
    SECOND_FACTOR_ENROLLED = "user.second_factor_enrolled"
    LAYOUT_CREATED = "layout.created"
    LAYOUT_CHANGED = "layout.changed"
    CAMPAIGN_CREATED = "campaign.created"
    CAMPAIGN_RUN_STARTED = "campaign.run_started"
    CAMPAIGN_PAUSED = "campaign.paused"
    CAMPAIGN_RESUMED = "campaign.resumed"
    CAMPAIGN_CANCELLED = "campaign.cancelled"
    CAMPAIGN_EDITED = "campaign.edited"
    CAMPAIGN_TEST_SENT = "campaign.test_sent"
    CAMPAIGN_RETRIED = "campaign.run_retried"
    REPORT_DOWNLOADED = "report.downloaded"
    CAMPAIGN_PREVIEWED_AS_SUBJECT = "campaign.previewed_as_subject"
    SUBJECT_LOOKED_UP = "subject.looked_up"
    SUBJECT_RECTIFIED = "subject.rectified"
    SUBJECT_EXPORTED = "subject.exported"
    SUBJECT_CONSENT_RECORDS_DOWNLOADED = "subject.consent_records_downloaded"
    SUBJECT_ERASED = "subject.erased"
    CONSENT_WITHDRAWN = "subject.consent_withdrawn"
    REQUEST_RECORDED = "request.recorded"
    REQUEST_CLOSED = "request.closed"
    IMPORT_STARTED = "import.started"
    POLICY_PUBLISHED = "policy.published"
    LEDGER_VERIFIED = "ledger.verified"
    SUPPRESSION_LIFTED = "suppression.lifted"
    KEY_CREATED = "key.created"
    KEY_REVOKED = "key.revoked"
    FORM_CREATED = "form.created"
    SUBJECT_TRANSFER_REQUESTED = "subject.transfer_requested"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the console audit log: who (`user_id`, None for the command line) did what
    to which `target`, when, from which client address, with details to read later."""

    at: datetime
    user_id: uuid.UUID | None
    action: AuditAction
    target: str | None
    client_address: str | None
    details: dict[str, Any] = field(default_factory=dict)


def user_target(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"
