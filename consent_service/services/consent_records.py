"""A person's ISO/IEC TS 27560 consent records, read from the ledger (domain/consent_records.py).

Served by `GET /v1/subjects/{id}/consent-record` and included in the export. An erased person
has no records here: erasure makes the subject unknown everywhere (404), and the ledger kept
as pseudonymised proof is the auditor's (`consent audit verify`), not a record handed out
under an id that no longer names anyone (docs/decisions/0037).
"""

import uuid
from typing import Any

from consent_service.domain.consent_records import CONTEXT, RecordContext, build_records
from consent_service.services.ports import Repository
from consent_service.services.views import get_subject, history


def consent_records(
    registry: Repository, subject_id: uuid.UUID, context: RecordContext
) -> list[dict[str, Any]]:
    """One record per purpose with a consent history; SubjectNotFound if unknown or erased."""
    view = get_subject(registry, subject_id)
    return build_records(subject_id, view.subject.locale, history(registry, subject_id), context)


def records_document(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The records as one JSON-LD document, as the API answers them and the console hands
    them out."""
    return {"@context": CONTEXT, "@graph": records}
