"""A person's actions in the console: each asks for confirmation on a page of its own, acts
only on a POST with the box ticked and a valid CSRF field, names the officer in the ledger,
and leaves a line in the console audit log. Support rectifies; only privacy exports and
erases."""

import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from consent_service.services.ports.transfers import RecipientRow
from tests.console.conftest import Browser, location, signed_in
from tests.console.people import (
    StandInMailer,
    audit_lines,
    last_entry,
    sign_up,
    stand_in_mailer,
    subject_row,
    writer_headers,
)

NEW = "aigul.new@mail.kg"


@pytest.fixture
def mailer(app) -> StandInMailer:
    return stand_in_mailer(app)


@pytest.fixture
def writer(make_key) -> dict[str, str]:
    return writer_headers(make_key)


@pytest.fixture
def aigul(app, writer, mailer) -> str:
    return sign_up(app, writer, "aigul@mail.kg", external_id="cust-1")


@pytest.mark.parametrize("action", ["rectify", "export", "erase"])
def test_each_action_has_a_confirmation_page(app, browser, person, aigul, action) -> None:
    page = signed_in(browser(), person("privacy")).get(f"/console/subjects/{aigul}/{action}")

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'name="confirm"' in body and 'name="csrf_token"' in body


def test_support_rectifies_after_confirming_and_the_ledger_names_them(
    app, browser, person, aigul
) -> None:
    who = person("support")
    support = signed_in(browser(), who)

    answer = support.post(
        f"/console/subjects/{aigul}/rectify",
        {"email": NEW, "reason": "Asked by phone, wrote to aigul@mail.kg", "confirm": "yes"},
    )

    assert answer.status_code == 303
    assert location(answer) == f"/console/subjects/{aigul}?done=rectified"
    assert subject_row(app, aigul).email == NEW
    entry = last_entry(app, aigul)
    assert entry.kind == "subject" and entry.actor == f"console:{who.account.id}"
    [line] = audit_lines(app, "subject.rectified")
    assert line.user_id == who.account.id and line.target == f"subject:{aigul}"
    assert line.details["changed"] == ["email"] and line.details["version"] == entry.seq
    assert line.details["reason"].startswith("Asked by phone, wrote to <email:")
    assert "aigul@mail.kg" not in json.dumps(line.details)


@pytest.mark.parametrize(
    ("action", "form"),
    [
        ("rectify", {"email": NEW, "reason": "asked"}),
        ("rectify", {"email": NEW, "reason": "asked", "confirm": "no"}),
        ("rectify", {"email": NEW, "reason": "", "confirm": "yes"}),
        ("erase", {"reason": "asked"}),
        ("erase", {"reason": " ", "confirm": "yes"}),
        ("export", {"format": "json"}),
        ("export", {"format": "xml", "confirm": "yes"}),
    ],
)
def test_without_the_confirmation_nothing_changes(app, browser, person, aigul, action, form):
    privacy = signed_in(browser(), person("privacy"))
    before = subject_row(app, aigul)

    answer = privacy.post(f"/console/subjects/{aigul}/{action}", form)

    assert answer.status_code == 422
    assert answer.mimetype == "text/html"
    assert 'id="problem"' in answer.get_data(as_text=True)
    assert subject_row(app, aigul) == before
    for kind in ("rectified", "erased", "exported"):
        assert audit_lines(app, f"subject.{kind}") == []


@pytest.mark.parametrize("action", ["rectify", "erase", "export"])
def test_a_form_without_its_csrf_field_is_refused(app, browser, person, aigul, action) -> None:
    privacy = signed_in(browser(), person("privacy"))
    before = subject_row(app, aigul)
    form = {"email": NEW, "reason": "asked", "confirm": "yes", "format": "json"}

    answer = privacy.client.post(f"/console/subjects/{aigul}/{action}", data=form)
    forged = privacy.client.post(
        f"/console/subjects/{aigul}/{action}", data=form | {"csrf_token": "x" * 64}
    )

    assert answer.status_code == 403 and forged.status_code == 403
    assert subject_row(app, aigul) == before


@pytest.mark.parametrize("action", ["export", "erase"])
def test_support_may_neither_export_nor_erase(app, browser, person, aigul, action) -> None:
    support = signed_in(browser(), person("support"))
    form = {"reason": "asked", "confirm": "yes", "format": "json"}

    page = support.get(f"/console/subjects/{aigul}")
    assert f"/console/subjects/{aigul}/{action}" not in page.get_data(as_text=True)
    assert support.get(f"/console/subjects/{aigul}/{action}").status_code == 403
    assert support.post(f"/console/subjects/{aigul}/{action}", form).status_code == 403
    assert subject_row(app, aigul).erased_at is None


@pytest.mark.parametrize("role", ["marketing", "sender"])
def test_marketing_may_do_nothing_to_a_person(app, browser, person, aigul, role) -> None:
    marketer = signed_in(browser(), person(role))
    form = {"email": NEW, "reason": "asked", "confirm": "yes", "format": "json"}

    for action in ("rectify", "export", "erase"):
        assert marketer.get(f"/console/subjects/{aigul}/{action}").status_code == 403
        assert marketer.post(f"/console/subjects/{aigul}/{action}", form).status_code == 403
    assert subject_row(app, aigul).email == "aigul@mail.kg"


def test_privacy_exports_json_and_csv_and_each_is_audited(app, browser, person, aigul) -> None:
    privacy = signed_in(browser(), person("privacy"))

    as_json = privacy.post(
        f"/console/subjects/{aigul}/export", {"format": "json", "confirm": "yes"}
    )
    as_csv = privacy.post(f"/console/subjects/{aigul}/export", {"format": "csv", "confirm": "yes"})

    assert as_json.status_code == 200 and as_json.mimetype == "application/json"
    assert "attachment" in as_json.headers["Content-Disposition"]
    data = as_json.get_json()
    assert data["subject"]["email"] == "aigul@mail.kg"
    assert data["emails"][0]["campaign_name"] == "Жаңы жылдык сатуу"
    assert as_csv.mimetype == "application/zip"
    assert "emails.csv" in zipfile.ZipFile(io.BytesIO(as_csv.data)).namelist()
    lines = audit_lines(app, "subject.exported")
    assert [line.details["format"] for line in lines] == ["json", "csv"]


def test_an_export_without_the_mailer_part_is_refused(app, browser, person, aigul, mailer):
    mailer.available = False
    privacy = signed_in(browser(), person("privacy"))

    answer = privacy.post(f"/console/subjects/{aigul}/export", {"format": "json", "confirm": "yes"})

    assert answer.status_code == 503 and answer.mimetype == "text/html"
    assert audit_lines(app, "subject.exported") == []


def test_privacy_erases_after_confirming_and_the_person_is_gone(
    app, browser, person, aigul
) -> None:
    who = person("privacy")
    privacy = signed_in(browser(), who)

    answer = privacy.post(
        f"/console/subjects/{aigul}/erase", {"reason": "Wrote to us", "confirm": "yes"}
    )

    assert answer.status_code == 303
    assert location(answer) == "/console/subjects?done=erased"
    row = subject_row(app, aigul)
    assert row.erased_at is not None and row.email is None
    assert last_entry(app, aigul).actor == f"console:{who.account.id}"
    [line] = audit_lines(app, "subject.erased")
    assert line.details["reason"] == "Wrote to us" and line.target == f"subject:{aigul}"
    assert privacy.get(f"/console/subjects/{aigul}").status_code == 404
    again = privacy.get("/console/subjects?q=aigul@mail.kg").get_data(as_text=True)
    assert 'id="nobody"' in again


def test_an_address_that_is_someone_elses_is_refused(app, browser, person, aigul, writer) -> None:
    sign_up(app, writer, "taken@mail.kg")
    support = signed_in(Browser(app.test_client()), person("support"))

    answer = support.post(
        f"/console/subjects/{aigul}/rectify",
        {"email": "TAKEN@mail.kg", "reason": "asked", "confirm": "yes"},
    )
    bad = support.post(
        f"/console/subjects/{aigul}/rectify",
        {"email": "not an address", "reason": "asked", "confirm": "yes"},
    )

    assert answer.status_code == 409 and bad.status_code == 422
    assert subject_row(app, aigul).email == "aigul@mail.kg"
    assert audit_lines(app, "subject.rectified") == []


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=st.text(max_size=400), reason=st.text(max_size=700))
def test_whatever_is_typed_into_the_rectify_form_the_answer_is_a_page(
    app, browser, person, aigul, email, reason
) -> None:
    support = signed_in(browser(), person("support"))

    answer = support.post(
        f"/console/subjects/{aigul}/rectify", {"email": email, "reason": reason, "confirm": "yes"}
    )

    assert answer.status_code in (303, 409, 422)
    assert answer.status_code == 303 or answer.mimetype == "text/html"


@pytest.mark.parametrize(
    "form",
    [
        {"email": "new\x00@mail.kg", "reason": "asked"},
        {"email": "new@mail.kg", "reason": "asked\x00"},
    ],
)
def test_text_the_database_cannot_keep_is_refused(app, browser, person, aigul, form) -> None:
    support = signed_in(browser(), person("support"))
    before = subject_row(app, aigul)

    answer = support.post(f"/console/subjects/{aigul}/rectify", form | {"confirm": "yes"})

    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert subject_row(app, aigul) == before


def test_support_withdraws_a_purpose_the_person_asked_by_phone(app, browser, person, aigul):
    who = person("support")
    support = signed_in(browser(), who)
    page = support.get(f"/console/subjects/{aigul}").get_data(as_text=True)
    assert f"/console/subjects/{aigul}/withdraw?purpose=personalization" in page

    confirm = support.get(f"/console/subjects/{aigul}/withdraw?purpose=personalization")
    answer = support.post(
        f"/console/subjects/{aigul}/withdraw",
        {"purpose": "personalization", "reason": "Called on 5 December", "confirm": "yes"},
    )

    assert confirm.status_code == 200 and 'name="confirm"' in confirm.get_data(as_text=True)
    assert answer.status_code == 303
    assert location(answer) == f"/console/subjects/{aigul}?done=withdrawn"
    entry = last_entry(app, aigul)
    assert (entry.purpose, entry.status) == ("personalization", "withdrawn")
    assert entry.actor == f"console:{who.account.id}" and entry.source == "admin"
    [line] = audit_lines(app, "subject.consent_withdrawn")
    assert line.details["purpose"] == "personalization"
    assert line.details["reason"] == "Called on 5 December"
    assert line.details["version"] == entry.seq
    again = support.post(
        f"/console/subjects/{aigul}/withdraw",
        {"purpose": "personalization", "reason": "again", "confirm": "yes"},
    )
    assert again.status_code == 422 and last_entry(app, aigul).seq == entry.seq


@pytest.mark.parametrize(
    "form",
    [
        {"purpose": "personalization", "reason": "asked"},
        {"purpose": "personalization", "reason": "", "confirm": "yes"},
        {"purpose": "transactions", "reason": "asked", "confirm": "yes"},
        {"purpose": "no-such-purpose", "reason": "asked", "confirm": "yes"},
    ],
)
def test_a_withdrawal_without_confirmation_or_of_nothing_changes_nothing(
    app, browser, person, aigul, form
) -> None:
    support = signed_in(browser(), person("support"))
    before = last_entry(app, aigul)

    answer = support.post(f"/console/subjects/{aigul}/withdraw", form)

    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert last_entry(app, aigul) == before
    assert audit_lines(app, "subject.consent_withdrawn") == []


@pytest.mark.parametrize("role", ["marketing", "sender"])
def test_marketing_may_not_withdraw_for_a_person(app, browser, person, aigul, role) -> None:
    marketer = signed_in(browser(), person(role))
    form = {"purpose": "personalization", "reason": "asked", "confirm": "yes"}

    assert (
        marketer.get(f"/console/subjects/{aigul}/withdraw?purpose=newsletters").status_code == 403
    )
    assert marketer.post(f"/console/subjects/{aigul}/withdraw", form).status_code == 403
    assert audit_lines(app, "subject.consent_withdrawn") == []
    assert last_entry(app, aigul).status != "withdrawn"


def register(app, name: str = "crm") -> None:
    row = RecipientRow(name, f"https://{name}.example.kg/in", "s" * 43, datetime.now(UTC))
    with app.extensions["consent.sessions"]() as session, session.begin():
        SqlRepository(session).transfers.add_recipient(row)


def transfers_of(app, subject_id: str) -> list:
    table = orm.Transfer.__table__
    query = select(table).where(table.c.subject_id == uuid.UUID(subject_id))
    with app.extensions["consent.engine"].connect() as connection:
        return list(connection.execute(query).all())


def test_privacy_transfers_to_a_registered_recipient_and_the_page_says_so(
    app, browser, person, aigul
) -> None:
    register(app)
    who = person("privacy")
    privacy = signed_in(browser(), who)
    assert f"/console/subjects/{aigul}/transfer" in privacy.get(
        f"/console/subjects/{aigul}"
    ).get_data(as_text=True)

    confirm = privacy.get(f"/console/subjects/{aigul}/transfer")
    answer = privacy.post(
        f"/console/subjects/{aigul}/transfer",
        {"recipient": "crm", "reason": "Asked by letter", "confirm": "yes"},
    )

    assert confirm.status_code == 200
    assert 'name="confirm"' in confirm.get_data(as_text=True)
    assert '<option value="crm"' in confirm.get_data(as_text=True)
    assert answer.status_code == 303
    [row] = transfers_of(app, aigul)
    assert (row.recipient, row.status) == ("crm", "pending")
    assert row.requested_by == f"console:{who.account.id}"
    assert location(answer) == (f"/console/subjects/{aigul}?done=transfer&transfer={row.id}")
    shown = privacy.get(location(answer)).get_data(as_text=True)
    assert 'id="transfer-state" data-status="pending"' in shown
    [line] = audit_lines(app, "subject.transfer_requested")
    assert line.user_id == who.account.id and line.target == f"subject:{aigul}"
    assert line.details == {
        "recipient": "crm",
        "transfer": str(row.id),
        "reason": "Asked by letter",
    }


@pytest.mark.parametrize(
    "form",
    [
        {"recipient": "crm", "reason": "asked"},
        {"recipient": "crm", "reason": "", "confirm": "yes"},
        {"recipient": "nobody", "reason": "asked", "confirm": "yes"},
        {"reason": "asked", "confirm": "yes"},
    ],
)
def test_a_transfer_without_confirmation_or_recipient_queues_nothing(
    app, browser, person, aigul, form
) -> None:
    register(app)
    privacy = signed_in(browser(), person("privacy"))

    answer = privacy.post(f"/console/subjects/{aigul}/transfer", form)

    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert 'id="problem"' in answer.get_data(as_text=True)
    assert transfers_of(app, aigul) == []
    assert audit_lines(app, "subject.transfer_requested") == []


def test_without_a_registered_recipient_the_page_says_so(app, browser, person, aigul) -> None:
    privacy = signed_in(browser(), person("privacy"))

    page = privacy.get(f"/console/subjects/{aigul}/transfer")

    assert page.status_code == 200 and 'id="no-recipients"' in page.get_data(as_text=True)


@pytest.mark.parametrize("role", ["support", "marketing"])
def test_only_privacy_may_transfer(app, browser, person, aigul, role) -> None:
    register(app)
    someone = signed_in(browser(), person(role))
    form = {"recipient": "crm", "reason": "asked", "confirm": "yes"}

    assert someone.get(f"/console/subjects/{aigul}/transfer").status_code == 403
    assert someone.post(f"/console/subjects/{aigul}/transfer", form).status_code == 403
    assert someone.client.post(f"/console/subjects/{aigul}/transfer", data=form).status_code == 403
    assert transfers_of(app, aigul) == []


def test_a_transfer_form_without_its_csrf_field_is_refused(app, browser, person, aigul) -> None:
    register(app)
    privacy = signed_in(browser(), person("privacy"))
    form = {"recipient": "crm", "reason": "asked", "confirm": "yes"}

    assert privacy.client.post(f"/console/subjects/{aigul}/transfer", data=form).status_code == 403
    assert transfers_of(app, aigul) == []


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recipient=st.text(max_size=400), reason=st.text(max_size=700))
def test_whatever_is_typed_into_the_transfer_form_the_answer_is_a_page(
    app, browser, person, aigul, recipient, reason
) -> None:
    privacy = signed_in(browser(), person("privacy"))

    answer = privacy.post(
        f"/console/subjects/{aigul}/transfer",
        {"recipient": recipient, "reason": reason, "confirm": "yes"},
    )

    assert answer.status_code == 422 and answer.mimetype == "text/html"
