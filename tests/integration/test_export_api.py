"""`GET /v1/subjects/{id}/export` and `POST /v1/subjects/{id}/transfers` on both databases,
with a stand-in for the mailer's part (the broker round trip is tested on its own in
test_export_request_reply.py and end to end in tests/e2e/test_export_*.py)."""

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import update

from consent_service.adapters import orm
from consent_service.faces.exports import MAILER_PART
from consent_service.services.export import MailerPartUnavailable
from consent_service.services.ports.transfers import RecipientRow
from plumbing.tokens import LinkSigner
from tests.factories import consent_body
from tests.web.conftest import hidden_fields

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "export.schema.json").read_text())
RUN_ID, CAMPAIGN_ID = str(uuid.uuid4()), str(uuid.uuid4())


class StandInMailer:
    """Answers for the mailer, or does not (`available = False`); records who was asked."""

    def __init__(self) -> None:
        self.available = True
        self.asked: list[uuid.UUID] = []

    def emails_of(self, subject_id: uuid.UUID) -> list[dict]:
        self.asked.append(subject_id)
        if not self.available:
            raise MailerPartUnavailable("no answer within 10 s")
        return [
            {
                "kind": "confirmation",
                "campaign_id": None,
                "campaign_name": None,
                "run_id": None,
                "sent_at": "2026-11-25T09:00:01+00:00",
                "outcome": "sent",
            },
            {
                "kind": "campaign",
                "campaign_id": CAMPAIGN_ID,
                "campaign_name": "=Weekly news",
                "run_id": RUN_ID,
                "sent_at": "2026-11-26T09:00:03+00:00",
                "outcome": "sent",
            },
        ]


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return environ | {
        "CONSENT_BRAND_NAME": "Аю Дүкөн",
        "CONSENT_CONTROLLER_CONTACT": "privacy@ayu.kg, Бишкек",
        "PUBLIC_BASE_URL": "https://ayu.kg",
    }


@pytest.fixture
def mailer(app) -> StandInMailer:
    stand_in = StandInMailer()
    app.extensions[MAILER_PART] = stand_in
    return stand_in


@pytest.fixture
def person(client, writer) -> str:
    """Granted personalization, then withdrew it; newsletters waiting for confirmation;
    promotions refused; a name a spreadsheet would run as a formula."""
    body = consent_body(
        purposes={"personalization": True, "newsletters": True, "promotions": False}
    )
    body["subject"] |= {"name": "=HYPERLINK(1)", "external_id": "u-17"}
    created = client.post("/v1/consents", json=body, headers=writer)
    assert created.status_code == 201, created.get_json()
    subject_id = created.get_json()["subject_id"]
    withdrawn = client.put(
        f"/v1/subjects/{subject_id}/consents/personalization",
        json={"status": "withdrawn", "source": "preference_center"},
        headers=writer,
    )
    assert withdrawn.status_code == 200
    return subject_id


def export_of(client, headers, subject_id: str, **query: str):
    return client.get(f"/v1/subjects/{subject_id}/export", query_string=query, headers=headers)


def test_the_json_export_has_both_parts_and_follows_the_published_schema(
    client, writer, mailer, person
) -> None:
    response = export_of(client, writer, person)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(
        data
    )
    assert [e["kind"] for e in data["emails"]] == ["confirmation", "campaign"]
    assert data["emails"][1] | {} == mailer.emails_of(uuid.UUID(person))[1]
    assert [(e["purpose"], e["status"]) for e in data["history"]] == [
        ("newsletters", "pending"),
        ("personalization", "granted"),
        ("promotions", "withdrawn"),
        ("personalization", "withdrawn"),
    ]
    assert data["policies"] == [
        {
            "version": "2026-11-01",
            "effective_at": "2026-11-01T00:00:00+00:00",
            "url": "https://ayu.kg/policy/versions/2026-11-01",
        }
    ]


def test_the_subject_is_shown_as_get_subject_shows_it(client, writer, mailer, person) -> None:
    subject = export_of(client, writer, person).get_json()["subject"]
    shown = client.get(f"/v1/subjects/{person}", headers=writer).get_json()
    assert {k: v for k, v in subject.items() if k != "created_at"} == shown
    assert datetime.fromisoformat(subject["created_at"]).tzinfo is not None


def test_each_consent_given_has_a_kantara_receipt(client, writer, mailer, person) -> None:
    data = export_of(client, writer, person).get_json()
    [receipt] = data["receipts"]  # personalization; newsletters pending, promotions refused
    grant = next(e for e in data["history"] if e["status"] == "granted")
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt["jurisdiction"] == "KG"
    assert receipt["piiPrincipalId"] == person
    assert receipt["consentTimestamp"] == int(
        datetime.fromisoformat(grant["recorded_at"]).timestamp()
    )
    assert receipt["collectionMethod"] == "registration form"
    assert receipt["language"] == "ky"
    assert uuid.UUID(receipt["consentReceiptID"]).version == 4
    assert receipt["piiControllers"] == [
        {
            "piiController": "Аю Дүкөн",
            "onBehalf": False,
            "contact": "privacy@ayu.kg, Бишкек",
            "piiControllerUrl": "https://ayu.kg",
        }
    ]
    assert receipt["policyUrl"] == "https://ayu.kg/policy/versions/2026-11-01"
    [service] = receipt["services"]
    assert service["service"] == "personalization"
    [purpose] = service["purposes"]
    assert purpose["purposeCategory"] == ["Personalized Experience"]
    assert purpose["consentType"] == "EXPLICIT"
    assert purpose["thirdPartyDisclosure"] is False
    assert "unsubscribe" in purpose["termination"]
    assert (receipt["sensitive"], receipt["spiCat"]) == (False, [])


def test_a_receipt_keeps_its_id_from_one_export_to_the_next(client, writer, mailer, person) -> None:
    first = export_of(client, writer, person).get_json()["receipts"]
    again = export_of(client, writer, person).get_json()["receipts"]
    assert [r["consentReceiptID"] for r in first] == [r["consentReceiptID"] for r in again]


def read_zip(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


def test_the_csv_export_is_a_zip_with_one_table_per_file_each_with_a_header(
    client, writer, mailer, person
) -> None:
    response = export_of(client, writer, person, format="csv")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="subject-{person}.zip"'
    files = read_zip(response.data)
    assert set(files) >= {
        "subject.csv",
        "consents.csv",
        "history.csv",
        "policies.csv",
        "emails.csv",
    }
    assert files["subject.csv"][0] == [
        "subject_id",
        "email",
        "locale",
        "name",
        "external_id",
        "version",
        "created_at",
    ]
    assert files["subject.csv"][1][0] == person
    assert files["consents.csv"][0] == [
        "purpose",
        "status",
        "updated_at",
        "policy_version",
        "source",
    ]
    assert sorted(row[:2] for row in files["consents.csv"][1:]) == [
        ["newsletters", "pending"],
        ["personalization", "withdrawn"],
        ["promotions", "withdrawn"],
    ]
    assert files["history.csv"][0][:3] == ["version", "kind", "purpose"]
    assert len(files["history.csv"]) == 1 + 4
    assert files["policies.csv"] == [
        ["version", "effective_at", "url"],
        ["2026-11-01", "2026-11-01T00:00:00+00:00", "https://ayu.kg/policy/versions/2026-11-01"],
    ]
    assert files["emails.csv"][0] == [
        "kind",
        "campaign_id",
        "campaign_name",
        "run_id",
        "sent_at",
        "outcome",
    ]
    assert files["emails.csv"][2][:2] == ["campaign", CAMPAIGN_ID]
    assert files["emails.csv"][2][-1] == "sent"


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted(
    client, writer, mailer, person
) -> None:
    files = read_zip(export_of(client, writer, person, format="csv").data)
    assert files["subject.csv"][1][3] == "'=HYPERLINK(1)"
    assert files["emails.csv"][2][2] == "'=Weekly news"


def test_without_the_mailers_part_the_answer_is_503_and_nothing_is_written(
    client, writer, mailer, person, table_counts
) -> None:
    mailer.available = False
    before = table_counts()
    for query in ({}, {"format": "csv"}):
        response = export_of(client, writer, person, **query)
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"]
        problem = response.get_json()
        assert problem["detail"].startswith("The mailer's part is unavailable, retry")
        assert "email" not in response.get_data(as_text=True).lower().replace("emails", "")
    assert table_counts() == before


def erase_directly(app, subject_id: str) -> None:
    """Only what every reader goes by (`erased_at`); erasure itself is tested elsewhere."""
    with app.extensions["consent.sessions"]() as session, session.begin():
        session.execute(
            update(orm.Subject)
            .where(orm.Subject.id == uuid.UUID(subject_id))
            .values(erased_at=datetime.now(UTC))
        )


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"format": "xml"}, 422, "format"),
        ({"format": ""}, 422, "format"),
        ({"format": "JSON"}, 422, "format"),
        ({"fields": "email"}, 422, "fields"),
    ],
)
def test_a_bad_query_is_a_problem_and_asks_nobody(
    client, writer, mailer, person, table_counts, query, status, field
) -> None:
    before = table_counts()
    response = export_of(client, writer, person, **query)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]
    assert mailer.asked == []
    assert table_counts() == before


@pytest.mark.parametrize("which", ["unknown", "not a uuid", "erased"])
def test_an_unknown_or_erased_subject_is_404_and_the_mailer_is_not_asked(
    app, client, writer, mailer, person, table_counts, which
) -> None:
    subject_id = {"unknown": str(uuid.uuid4()), "not a uuid": "17", "erased": person}[which]
    if which == "erased":
        erase_directly(app, person)
    before = table_counts()
    response = export_of(client, writer, subject_id)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert mailer.asked == []
    assert table_counts() == before


def test_the_export_needs_a_key_with_subjects_read(
    client, make_key, mailer, person, table_counts
) -> None:
    writer_only = {"Authorization": f"Bearer {make_key('consents:write')}"}
    before = table_counts()
    assert export_of(client, {}, person).status_code == 401
    assert export_of(client, {"Authorization": "Bearer ck_nope_nope"}, person).status_code == 401
    forbidden = export_of(client, writer_only, person)
    assert forbidden.status_code == 403
    assert forbidden.mimetype == "application/problem+json"
    assert mailer.asked == []
    assert table_counts() == before


# direct transfers: the API's half (delivery: test_export_transfers.py and tests/e2e)


@pytest.fixture
def recipient(app) -> str:
    with app.extensions["consent.sessions"]() as session, session.begin():
        from consent_service.adapters.repository import SqlRepository

        row = RecipientRow("crm", "https://crm.example.kg/in", "s3cret", datetime.now(UTC))
        SqlRepository(session).transfers.add_recipient(row)
    return "crm"


def test_a_transfer_is_accepted_queued_and_can_be_followed(
    client, make_key, person, recipient
) -> None:
    admin = {"Authorization": f"Bearer {make_key('subjects:write', 'subjects:read', name='dpo')}"}
    response = client.post(
        f"/v1/subjects/{person}/transfers", json={"recipient": recipient}, headers=admin
    )
    assert response.status_code == 202
    transfer_id = response.get_json()["transfer_id"]
    assert response.get_json()["status"] == "pending"
    assert response.headers["Location"].endswith(f"/v1/subjects/{person}/transfers/{transfer_id}")
    shown = client.get(response.headers["Location"], headers=admin).get_json()
    assert shown | {"requested_at": None} == {
        "transfer_id": transfer_id,
        "subject_id": person,
        "recipient": "crm",
        "status": "pending",
        "attempts": 0,
        "requested_at": None,
        "finished_at": None,
        "last_error": None,
    }


def _json(body: object) -> dict:
    return {"data": json.dumps(body), "content_type": "application/json"}


BAD_TRANSFERS = {
    "unknown recipient": (422, _json({"recipient": "nobody"}), "recipient"),
    "no recipient": (422, _json({}), "recipient"),
    "empty recipient": (422, _json({"recipient": ""}), "recipient"),
    "recipient not a string": (422, _json({"recipient": ["crm"]}), "recipient"),
    "over-long recipient": (422, _json({"recipient": "c" * 101}), "recipient"),
    "unknown field": (422, _json({"recipient": "crm", "url": "https://evil.example"}), "url"),
    "an array": (422, _json(["crm"]), None),
    "malformed JSON": (400, {"data": '{"recipient": ', "content_type": "application/json"}, None),
    "a form": (
        415,
        {"data": "recipient=crm", "content_type": "application/x-www-form-urlencoded"},
        None,
    ),
}


@pytest.mark.parametrize("case", BAD_TRANSFERS, ids=list(BAD_TRANSFERS))
def test_a_bad_transfer_request_is_a_problem_and_creates_nothing(
    client, writer, person, recipient, table_counts, case
) -> None:
    status, request, field = BAD_TRANSFERS[case]
    before = table_counts()
    response = client.post(f"/v1/subjects/{person}/transfers", headers=writer, **request)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    if field is not None:
        assert field in response.get_json()["errors"]
    assert table_counts() == before


@pytest.mark.parametrize("which", ["unknown", "not a uuid", "erased"])
def test_a_transfer_of_an_unknown_or_erased_subject_is_404(
    app, client, writer, person, recipient, table_counts, which
) -> None:
    subject_id = {"unknown": str(uuid.uuid4()), "not a uuid": "17", "erased": person}[which]
    if which == "erased":
        erase_directly(app, person)
    before = table_counts()
    response = client.post(
        f"/v1/subjects/{subject_id}/transfers", json={"recipient": recipient}, headers=writer
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert table_counts() == before


def test_a_transfer_needs_a_key_with_subjects_write(
    client, make_key, person, recipient, table_counts
) -> None:
    reader = {"Authorization": f"Bearer {make_key('subjects:read')}"}
    before = table_counts()
    url = f"/v1/subjects/{person}/transfers"
    assert client.post(url, json={"recipient": recipient}).status_code == 401
    assert client.post(url, json={"recipient": recipient}, headers=reader).status_code == 403
    assert table_counts() == before


@pytest.mark.parametrize("transfer_id", ["nope", str(uuid.uuid4()), "another subject's"])
def test_an_unknown_transfer_is_404(client, writer, person, recipient, transfer_id) -> None:
    if transfer_id == "another subject's":
        other = client.post("/v1/consents", json=consent_body(), headers=writer).get_json()
        queued = client.post(
            f"/v1/subjects/{other['subject_id']}/transfers",
            json={"recipient": recipient},
            headers=writer,
        )
        transfer_id = queued.get_json()["transfer_id"]
    response = client.get(f"/v1/subjects/{person}/transfers/{transfer_id}", headers=writer)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


# the preference centre's download is the same export


def post_download(client, subject_id: str):
    url = f"/preferences/{LinkSigner('test-secret').preferences_token(uuid.UUID(subject_id))}"
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    return client.post(f"{url}/export", data={"csrf_token": fields["csrf_token"]})


def test_the_preference_centre_download_includes_what_the_mailer_sent(
    client, mailer, person
) -> None:
    response = post_download(client, person)
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert [e["outcome"] for e in data["emails"]] == ["sent", "sent"]
    assert [r["services"][0]["service"] for r in data["receipts"]] == ["personalization"]


def test_the_preference_centre_download_says_retry_when_the_mailer_is_away(
    client, mailer, person, table_counts
) -> None:
    mailer.available = False
    before = table_counts()
    response = post_download(client, person)
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert table_counts() == before
