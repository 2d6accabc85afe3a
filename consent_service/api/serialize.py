"""Turning service results into the API's JSON shapes (schemas/api)."""

from typing import Any

from consent_service.services.views import HistoryEntry, SubjectView
from schemas.api.subjects import HistorySchema, SubjectSchema

_subject = SubjectSchema()
_history = HistorySchema()


def subject_body(view: SubjectView) -> dict[str, Any]:
    subject = view.subject
    return _subject.dump(
        {
            "subject_id": subject.id,
            "email": subject.email,
            "locale": subject.locale,
            "name": subject.name,
            "external_id": subject.external_id,
            "attributes": subject.attributes or {},
            "version": subject.version,
            "consents": {
                purpose: {
                    "status": row.status,
                    "updated_at": row.updated_at,
                    "policy_version": row.policy_version,
                    "source": row.source,
                }
                for purpose, row in sorted(view.consents.items())
            },
        }
    )


def history_body(subject_id: object, entries: list[HistoryEntry]) -> dict[str, Any]:
    return _history.dump({"subject_id": subject_id, "entries": entries})
