"""Everything held about one person, from both parts: JSON, or a zip of CSV tables.

The same export serves `GET /v1/subjects/{id}/export`, `consent export`, the preference
centre's download and direct transfers (docs/export.md; its JSON Schema is
docs/export.schema.json). The registry's part is read in one short read transaction; the
mailer's part (what was sent to the person) is then asked for over the broker, outside any
transaction, since the answer may take up to the timeout and on SQLite every transaction holds
the whole database. No answer raises MailerPartUnavailable: an export without the mailer's
part is never handed out as if it were complete.
"""

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from consent_service.domain.consent_records import RecordContext, build_records
from consent_service.services.ports import Repository, UnitOfWork
from consent_service.services.receipts import Controller, policy_url, receipts
from consent_service.services.views import get_subject, history
from schemas.api.subjects import HistoryEntrySchema, SubjectSchema


class MailerPartUnavailable(Exception):
    """The mailer did not answer in time (stopped, or the broker is down): retry later."""


class MailerPart(Protocol):
    """Where the mailer's part comes from (`adapters.export_requests.MailerPartClient`)."""

    def emails_of(self, subject_id: uuid.UUID) -> list[dict[str, Any]]:
        """The emails the mailer handed to its backend for this person, JSON-ready."""
        ...


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def registry_part(
    registry: Repository,
    subject_id: uuid.UUID,
    controller: Controller,
    records: RecordContext,
) -> dict[str, Any]:
    """The registry's part; SubjectNotFound for an unknown or erased subject.

    `subject` is shaped as `GET /v1/subjects/{id}` answers it, plus `created_at`, and each
    `history` entry as `GET .../history` does, so a person and the shop read the same thing.
    """
    view = get_subject(registry, subject_id)
    subject, entries = view.subject, history(registry, subject_id)
    agreed = sorted(
        {e.policy_version for e in entries if e.status == "granted" and e.policy_version}
    )
    body = SubjectSchema().dump(
        {
            "subject_id": subject.id,
            "email": subject.email,
            "locale": subject.locale,
            "name": subject.name,
            "external_id": subject.external_id,
            "attributes": subject.attributes or {},
            "version": subject.version,
            "consents": {
                p: {
                    "status": row.status,
                    "updated_at": row.updated_at,
                    "policy_version": row.policy_version,
                    "source": row.source,
                }
                for p, row in sorted(view.consents.items())
            },
        }
    )
    return {
        "subject": body | {"created_at": _iso(subject.created_at)},
        "history": HistoryEntrySchema(many=True).dump(entries),
        "policies": [
            {
                "version": v,
                "effective_at": _iso(registry.policy_effective_at(v)),
                "url": policy_url(controller, v),
            }
            for v in agreed
        ],
        "receipts": receipts(subject.id, subject.locale, entries, controller),
        "consent_records": build_records(subject.id, subject.locale, entries, records),
        "requests": [
            {"kind": r.kind, "status": r.status, "requested_at": _iso(r.requested_at)}
            for r in registry.rights.requests_of(subject_id)
        ],
    }


class Exporter:
    """Builds a person's complete export: the registry's part, then the mailer's."""

    def __init__(
        self,
        uow: UnitOfWork,
        controller: Controller,
        records: RecordContext,
        mailer: MailerPart,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.uow = uow
        self.controller = controller
        self.records = records
        self.mailer = mailer
        self.clock = clock

    def export(self, subject_id: uuid.UUID) -> dict[str, Any]:
        """SubjectNotFound (before the mailer is asked) or MailerPartUnavailable, else all."""
        with self.uow.transaction() as registry:
            part = registry_part(registry, subject_id, self.controller, self.records)
        emails = self.mailer.emails_of(subject_id)
        return {
            "exported_at": self.clock().isoformat(),
            "subject": part["subject"],
            "history": part["history"],
            "policies": part["policies"],
            "receipts": part["receipts"],
            "consent_records": part["consent_records"],
            "emails": emails,
            "requests": part["requests"],
        }


SUBJECT_COLUMNS = ("subject_id", "email", "locale", "name", "external_id", "version", "created_at")
ATTRIBUTE_COLUMNS = ("attribute", "value")
CONSENT_COLUMNS = ("purpose", "status", "updated_at", "policy_version", "source")
HISTORY_COLUMNS = (
    "version",
    "kind",
    "purpose",
    "status",
    "previous_status",
    "source",
    "actor",
    "policy_version",
    "recorded_at",
    "hash",
    "gpc",
)
POLICY_COLUMNS = ("version", "effective_at", "url")
RECEIPT_COLUMNS = (
    "consent_receipt_id",
    "purpose",
    "consent_timestamp",
    "collection_method",
    "policy_url",
    "jurisdiction",
    "version",
)
EMAIL_COLUMNS = ("kind", "campaign_id", "campaign_name", "run_id", "sent_at", "outcome")
REQUEST_COLUMNS = ("kind", "status", "requested_at")

RECORDS_FILE = "consent-records.jsonld"
"""The ISO/IEC TS 27560 records are linked data, not a table: the zip carries them as the
JSON-LD they are (an array of records), beside the CSV tables."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _receipt_row(receipt: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "consent_receipt_id": receipt["consentReceiptID"],
        "purpose": receipt["services"][0]["service"],
        "consent_timestamp": receipt["consentTimestamp"],
        "collection_method": receipt["collectionMethod"],
        "policy_url": receipt["policyUrl"],
        "jurisdiction": receipt["jurisdiction"],
        "version": receipt["version"],
    }


def tables(
    export: Mapping[str, Any],
) -> dict[str, tuple[tuple[str, ...], list[Mapping[str, Any]]]]:
    """The export as tables: file name, then its columns and rows."""
    consents = [{"purpose": p} | c for p, c in export["subject"]["consents"].items()]
    return {
        "subject.csv": (SUBJECT_COLUMNS, [export["subject"]]),
        "consents.csv": (CONSENT_COLUMNS, consents),
        "attributes.csv": (ATTRIBUTE_COLUMNS, _attribute_rows(export["subject"])),
        "history.csv": (HISTORY_COLUMNS, export["history"]),
        "policies.csv": (POLICY_COLUMNS, export["policies"]),
        "receipts.csv": (RECEIPT_COLUMNS, [_receipt_row(r) for r in export["receipts"]]),
        "emails.csv": (EMAIL_COLUMNS, export["emails"]),
        "requests.csv": (REQUEST_COLUMNS, export["requests"]),
    }


def _attribute_rows(subject: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """One row per attribute, by name; a value that is not text as JSON (`true`, `12`)."""
    return [
        {"attribute": key, "value": value if isinstance(value, str) else json.dumps(value)}
        for key, value in sorted((subject.get("attributes") or {}).items())
    ]


def _cell(value: object) -> str:
    """Text for a spreadsheet: empty for null, and a leading quote on anything a
    spreadsheet would run as a formula (OWASP "CSV injection"); names come from people."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    columns = list(columns)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return out.getvalue().encode("utf-8")


def csv_zip(export: Mapping[str, Any]) -> bytes:
    """A zip with one UTF-8 CSV file per table, each with a header row, and the consent
    records as JSON-LD."""
    buffer = io.BytesIO()
    moment = datetime.fromisoformat(export["exported_at"]).astimezone(UTC)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, (columns, rows) in tables(export).items():
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16  # personal data: readable by its owner only
            archive.writestr(entry, _csv(columns, rows))
        records = zipfile.ZipInfo(RECORDS_FILE, date_time=stamp)
        records.compress_type = zipfile.ZIP_DEFLATED
        records.external_attr = 0o600 << 16
        archive.writestr(records, json.dumps(export["consent_records"], ensure_ascii=False))
    return buffer.getvalue()
