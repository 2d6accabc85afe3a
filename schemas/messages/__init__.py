"""Versioned message schemas. A message names its schema as `name/version` in `schema`.

A consumer looks the schema up in `SCHEMAS` and refuses a message whose schema it does not
know or whose body does not load; it never applies part of one.
"""

from typing import Any

from marshmallow import Schema, ValidationError

from schemas.messages.campaigns import (
    CampaignControlV1,
    CampaignRunRequestedV1,
    CampaignTestRequestedV1,
    RunReportV1,
    RunReportV2,
)
from schemas.messages.consent_changed import ConsentChangedV1
from schemas.messages.exports import ExportMailerPartV1, ExportRequestedV1
from schemas.messages.subject_events import (
    ConfirmationRequestedV1,
    PreferencesLinkRequestedV1,
    SubjectErasedV1,
    SubjectUpdatedV1,
)

SCHEMAS: dict[str, type[Schema]] = {
    "consent.changed/1": ConsentChangedV1,
    "subject.updated/1": SubjectUpdatedV1,
    "subject.erased/1": SubjectErasedV1,
    "optin.confirmation_requested/1": ConfirmationRequestedV1,
    "subject.preferences_link_requested/1": PreferencesLinkRequestedV1,
    "campaign.run_requested/1": CampaignRunRequestedV1,
    "campaign.control/1": CampaignControlV1,
    "campaign.test_requested/1": CampaignTestRequestedV1,
    "mailer.run_report/1": RunReportV1,
    "mailer.run_report/2": RunReportV2,
    "export.requested/1": ExportRequestedV1,
    "export.mailer_part/1": ExportMailerPartV1,
}


class InvalidMessage(Exception):
    """A message that must not be applied; `reason` says why, for the dead-letter queue."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def load_message(body: object) -> dict[str, Any]:
    """Validate a message body against the schema it names; raise InvalidMessage otherwise."""
    if not isinstance(body, dict):
        raise InvalidMessage("message body is not a JSON object")
    name = body.get("schema")
    schema = SCHEMAS.get(name) if isinstance(name, str) else None
    if schema is None:
        raise InvalidMessage(f"unknown message schema {name!r}")
    try:
        loaded: dict[str, Any] = schema().load(body)
    except ValidationError as error:
        raise InvalidMessage(f"{name}: {error.messages}") from None
    return loaded
