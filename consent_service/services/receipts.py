"""Consents as Kantara Initiative Consent Receipts (KI-CR-v1.1.0), for the export.

A receipt records consent *given*: for every purpose the person ever granted, the receipt of
the latest grant (its time, how it was collected, the policy version it was given under).
A purpose asked for but never confirmed (`pending`) or refused has no receipt, since nothing
was agreed; a grant later withdrawn keeps its receipt (it was given), and the export's
`subject.consents` and `history` show the withdrawal. The receipt id is derived from the
ledger entry's hash: the same consent gets the same receipt in every export, and it points
at the proof.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from consent_service.domain.consent_records import INDICATION_METHOD
from consent_service.domain.purposes import CATALOGUE
from consent_service.services.views import HistoryEntry

VERSION = "KI-CR-v1.1.0"
JURISDICTION = "KG"

PURPOSE_CATEGORY = {
    "personalization": "Personalized Experience",
    "newsletters": "Marketing",
    "promotions": "Marketing",
    "surveys": "Marketing",
}
"""Kantara CR 1.1 purpose categories (5 Personalized Experience, 6 Marketing)."""

PII_CATEGORY = {
    "personalization": ["Contact", "Network/Service"],
    "newsletters": ["Contact"],
    "promotions": ["Contact"],
    "surveys": ["Contact"],
}

TERMINATION = (
    "Until withdrawn: at any time, with the unsubscribe link in every email or on the "
    "preference centre page; a withdrawal takes effect at once."
)


@dataclass(frozen=True)
class Controller:
    """The shop as the receipts name it (CONSENT_BRAND_NAME, CONSENT_CONTROLLER_CONTACT)."""

    name: str
    contact: str
    public_base_url: str

    def as_pii_controller(self) -> dict[str, Any]:
        return {
            "piiController": self.name or self.public_base_url,
            "onBehalf": False,
            "contact": self.contact or self.public_base_url,
            "piiControllerUrl": self.public_base_url,
        }


def policy_url(controller: Controller, version: str) -> str:
    return f"{controller.public_base_url}/policy/versions/{version}"


def receipt_id(entry: HistoryEntry) -> str:
    """A UUID-4-shaped id (as the specification asks) taken from the entry's chain hash."""
    return str(uuid.UUID(bytes=bytes.fromhex(entry.hash)[:16], version=4))


def receipts(
    subject_id: uuid.UUID, locale: str, entries: list[HistoryEntry], controller: Controller
) -> list[dict[str, Any]]:
    """One receipt per purpose ever granted: its latest grant. Ordered by purpose."""
    grants = {
        e.purpose: e for e in entries if e.kind == "consent" and e.status == "granted" and e.purpose
    }
    return [_receipt(subject_id, locale, grant, controller) for _, grant in sorted(grants.items())]


def _receipt(
    subject_id: uuid.UUID, locale: str, grant: HistoryEntry, controller: Controller
) -> dict[str, Any]:
    purpose = grant.purpose or ""
    return {
        "version": VERSION,
        "jurisdiction": JURISDICTION,
        "consentTimestamp": int(grant.recorded_at.timestamp()),
        "collectionMethod": INDICATION_METHOD.get(grant.source, grant.source),
        "consentReceiptID": receipt_id(grant),
        "language": locale,
        "piiPrincipalId": str(subject_id),
        "piiControllers": [controller.as_pii_controller()],
        "policyUrl": policy_url(controller, grant.policy_version or ""),
        "services": [
            {
                "service": purpose,
                "purposes": [
                    {
                        "purpose": CATALOGUE[purpose].description,
                        "purposeCategory": [PURPOSE_CATEGORY[purpose]],
                        "consentType": "EXPLICIT",
                        "piiCategory": PII_CATEGORY[purpose],
                        "primaryPurpose": False,
                        "termination": TERMINATION,
                        "thirdPartyDisclosure": False,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
    }
