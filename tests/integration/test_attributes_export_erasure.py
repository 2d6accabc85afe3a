"""A subject's attributes in its export (JSON and CSV) and gone with its erasure, on both
databases (decision 0047)."""

import uuid

import jsonschema
from sqlalchemy import select

from consent_service.adapters import orm
from tests.factories import consent_body
from tests.integration.test_export_api import SCHEMA, environ, export_of, mailer, read_zip

__all__ = ["environ", "mailer"]
ATTRIBUTES = {"plan": "=pro", "seats": 12, "trial": True, "renewal": "2027-01-31"}


def signed_up(client, writer) -> str:
    body = consent_body(purposes={"personalization": True})
    body["subject"]["attributes"] = ATTRIBUTES
    created = client.post("/v1/consents", json=body, headers=writer)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["subject_id"]


def test_the_json_export_carries_the_attributes_and_follows_the_schema(
    client, writer, mailer
) -> None:
    data = export_of(client, writer, signed_up(client, writer)).get_json()
    assert data["subject"]["attributes"] == ATTRIBUTES
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    validator.validate(data)


def test_the_csv_export_has_one_row_per_attribute(client, writer, mailer) -> None:
    files = read_zip(export_of(client, writer, signed_up(client, writer), format="csv").data)
    assert files["attributes.csv"] == [
        ["attribute", "value"],
        ["plan", "'=pro"],
        ["renewal", "2027-01-31"],
        ["seats", "12"],
        ["trial", "true"],
    ]


def test_erasure_forgets_the_attributes(app, client, writer) -> None:
    subject_id = signed_up(client, writer)
    assert client.delete(f"/v1/subjects/{subject_id}", headers=writer).status_code == 204
    query = select(orm.Subject.attributes).where(orm.Subject.id == uuid.UUID(subject_id))
    with app.extensions["consent.sessions"]() as session:
        assert session.scalar(query) is None
    outbox = select(orm.OutboxMessage.payload).where(
        orm.OutboxMessage.subject_id == uuid.UUID(subject_id)
    )
    with app.extensions["consent.sessions"]() as session:
        payloads = list(session.scalars(outbox))
    erased = [p for p in payloads if p["schema"] == "subject.erased/1"]
    assert erased and "attributes" not in erased[-1]
    assert all("=pro" not in str(payload) for payload in payloads)
