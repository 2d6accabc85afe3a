"""Helpers for the tests of the privacy desk's pages: people signed up through the API, a
stand-in for the mailer's part, and the console audit log's lines of one action."""

import uuid
from typing import Any

from flask import Flask
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.faces.exports import MAILER_PART
from consent_service.services.export import MailerPartUnavailable
from tests.factories import consent_body

SENT = {
    "kind": "campaign",
    "campaign_id": str(uuid.uuid4()),
    "campaign_name": "Жаңы жылдык сатуу",
    "run_id": str(uuid.uuid4()),
    "sent_at": "2026-11-26T09:00:03+00:00",
    "outcome": "sent",
}


class StandInMailer:
    """Answers for the mailer with one campaign email, or does not (`available = False`)."""

    def __init__(self) -> None:
        self.available = True

    def emails_of(self, subject_id: uuid.UUID) -> list[dict[str, Any]]:
        if not self.available:
            raise MailerPartUnavailable("no answer")
        return [SENT]


def stand_in_mailer(app: Flask) -> StandInMailer:
    stand_in = StandInMailer()
    app.extensions[MAILER_PART] = stand_in
    return stand_in


def writer_headers(make_key: Any) -> dict[str, str]:
    key = make_key("consents:write", "subjects:read", "subjects:write")
    return {"Authorization": f"Bearer {key}"}


def sign_up(app: Flask, writer: dict[str, str], email: str, external_id: str | None = None) -> str:
    """A person who granted personalization and asked for the newsletter (waiting for
    confirmation), through the API; their subject id."""
    body = consent_body(email=email, purposes={"newsletters": True, "personalization": True})
    if external_id:
        body["subject"]["external_id"] = external_id
    answer = app.test_client().post("/v1/consents", json=body, headers=writer)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    subject_id: str = answer.get_json()["subject_id"]
    return subject_id


def audit_lines(app: Flask, action: str) -> list[Any]:
    table = orm.ConsoleAuditEntry.__table__
    with app.extensions["consent.engine"].connect() as connection:
        query = select(table).where(table.c.action == action).order_by(table.c.id)
        return list(connection.execute(query).all())


def subject_row(app: Flask, subject_id: str) -> Any:
    table = orm.Subject.__table__
    with app.extensions["consent.engine"].connect() as connection:
        return connection.execute(select(table).where(table.c.id == uuid.UUID(subject_id))).one()


def last_entry(app: Flask, subject_id: str) -> Any:
    table = orm.LedgerEntry.__table__
    query = (
        select(table)
        .where(table.c.subject_id == uuid.UUID(subject_id))
        .order_by(table.c.seq.desc())
    )
    with app.extensions["consent.engine"].connect() as connection:
        return connection.execute(query).first()
