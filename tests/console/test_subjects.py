"""`/console/subjects`: finding a person by a whole key only, every lookup in the audit log,
their page (consents, the ledger and its verification, the mailer's part), and who may open
them. The mailer's part comes from a stand-in here (as in tests/integration/test_export_api.py),
except where the real client to the embedded broker, with no mailer running, must time out."""

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from consent_service.adapters import orm
from tests.console.conftest import Browser, location, signed_in
from tests.console.conftest import text as page_text
from tests.console.people import (
    StandInMailer,
    audit_lines,
    sign_up,
    stand_in_mailer,
    writer_headers,
)


@pytest.fixture
def mailer(app) -> StandInMailer:
    return stand_in_mailer(app)


@pytest.fixture
def writer(make_key) -> dict[str, str]:
    return writer_headers(make_key)


@pytest.fixture
def aigul(app, writer, mailer) -> str:
    return sign_up(app, writer, "Aigul.Asanova@Mail.kg", external_id="cust-1017")


@pytest.mark.parametrize(
    "query",
    ["aigul.asanova@mail.kg", "AIGUL.ASANOVA@MAIL.KG", " Aigul.Asanova@Mail.kg ", "cust-1017"],
)
def test_a_whole_address_in_any_case_or_the_customer_id_opens_the_person(
    app, browser, person, aigul, query
) -> None:
    support = signed_in(browser(), person("support"))

    answer = support.get("/console/subjects", query_string={"q": query})

    assert answer.status_code == 303
    assert location(answer) == f"/console/subjects/{aigul}"


def test_the_subject_id_opens_the_person_and_the_lookup_is_recorded(
    app, browser, person, aigul
) -> None:
    who = person("support")
    support = signed_in(browser(), who)

    answer = support.get("/console/subjects", query_string={"q": aigul})

    assert location(answer) == f"/console/subjects/{aigul}"
    [line] = audit_lines(app, "subject.looked_up")
    assert line.user_id == who.account.id
    assert line.target == f"subject:{aigul}"
    assert line.details["found"] == [aigul]
    assert line.details["matched"] == ["subject_id"]
    assert line.details["query"].startswith("<query:")


@pytest.mark.parametrize(
    "query", ["aigul", "Aigul.Asanova", "mail.kg", "@mail.kg", "aigul.asanova@mail", "cust", "%"]
)
def test_part_of_an_address_finds_nobody_and_the_miss_is_recorded_masked(
    app, browser, person, aigul, query
) -> None:
    support = signed_in(browser(), person("support"))

    answer = support.get("/console/subjects", query_string={"q": query})

    assert answer.status_code == 200
    assert 'id="nobody"' in answer.get_data(as_text=True)
    assert "Aigul.Asanova@Mail.kg" not in answer.get_data(as_text=True)
    [line] = audit_lines(app, "subject.looked_up")
    assert line.target is None and line.details["found"] == []
    assert query.lower() not in str(line.details).lower()


def test_an_address_is_recorded_as_the_logs_mask_it(app, browser, person, aigul) -> None:
    support = signed_in(browser(), person("support"))
    support.get("/console/subjects", query_string={"q": "AIGUL.asanova@mail.kg"})
    support.get("/console/subjects", query_string={"q": "aigul.asanova@mail.kg"})

    first, second = audit_lines(app, "subject.looked_up")
    assert re.fullmatch(r"<email:[0-9a-f]{12}>", first.details["query"])
    assert first.details["query"] == second.details["query"]
    assert "aigul" not in str(first.details).lower()


def test_a_customer_id_given_twice_lists_both(app, browser, person, writer, mailer) -> None:
    one = sign_up(app, writer, "bakyt@mail.kg", external_id="dup-7")
    two = sign_up(app, writer, "bakyt.other@mail.kg", external_id="dup-7")

    answer = signed_in(browser(), person("support")).get("/console/subjects?q=dup-7")

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert f"/console/subjects/{one}" in page and f"/console/subjects/{two}" in page


def test_the_person_page_shows_consents_ledger_emails_and_a_verified_chain(
    app, browser, person, aigul
) -> None:
    answer = signed_in(browser(), person("support")).get(f"/console/subjects/{aigul}")

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert 'id="chain-ok"' in page and 'id="chain-broken"' not in page
    newsletters = re.search(r'<tr data-purpose="personalization">.*?</tr>', page, re.S)[0]
    assert 'data-status="granted"' in newsletters
    assert "registration" in newsletters and "2026-11" in newsletters  # source, policy version
    assert "Жаңы жылдык сатуу" in page
    assert re.search(r'<tr id="entry-1">', page)


def test_the_timeline_is_newest_first_and_paginated(app, browser, person, aigul, writer) -> None:
    client = app.test_client()
    for turn in range(60):
        status = "withdrawn" if turn % 2 == 0 else "granted"
        answer = client.put(
            f"/v1/subjects/{aigul}/consents/personalization",
            json={"status": status, "source": "preference_center"},
            headers=writer,
        )
        assert answer.status_code == 200
    support = signed_in(browser(), person("support"))

    first = support.get(f"/console/subjects/{aigul}").get_data(as_text=True)
    second = support.get(f"/console/subjects/{aigul}?page=2").get_data(as_text=True)
    wrong = support.get(f"/console/subjects/{aigul}?page=x")

    seqs = [int(n) for n in re.findall(r'<tr id="entry-(\d+)">', first)]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == 50
    assert 'id="older"' in first
    assert max(int(n) for n in re.findall(r'<tr id="entry-(\d+)">', second)) < min(seqs)
    assert wrong.status_code == 200


def test_a_tampered_entry_is_shown_as_a_broken_chain(app, browser, person, aigul) -> None:
    ledger = orm.LedgerEntry.__table__
    with app.extensions["consent.engine"].begin() as connection:
        connection.execute(
            update(ledger)
            .where(ledger.c.subject_id == uuid.UUID(aigul), ledger.c.seq == 1)
            .values(source="import")
        )

    page = signed_in(browser(), person("support")).get(f"/console/subjects/{aigul}")

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'id="chain-broken"' in body and 'id="chain-ok"' not in body
    assert "content does not match its hash (edited)" in body


def test_a_silent_mailer_is_said_and_the_page_still_opens(
    make_app, browser, person, writer, clock
) -> None:
    """The real client to the embedded broker, and no mailer to answer it."""
    app = make_app(CONSENT_EXPORT_TIMEOUT="1")
    subject_id = sign_up(app, writer, "nurlan@mail.kg")
    support = signed_in(Browser(app.test_client()), person("support"))
    answer = support.get(f"/console/subjects/{subject_id}")

    assert answer.status_code == 200
    assert 'id="mailer-silent"' in answer.get_data(as_text=True)


@pytest.mark.parametrize("role", ["marketing", "sender"])
def test_marketing_may_open_no_person_and_sees_no_link(app, browser, person, aigul, role) -> None:
    marketer = signed_in(browser(), person(role))

    found = marketer.get("/console/subjects", query_string={"q": "aigul.asanova@mail.kg"})
    page = marketer.get(f"/console/subjects/{aigul}")
    home = marketer.get("/console/").get_data(as_text=True)

    assert found.status_code == 403 and page.status_code == 403
    assert "Aigul" not in found.get_data(as_text=True) + page.get_data(as_text=True)
    assert "/console/subjects" not in home
    assert audit_lines(app, "subject.looked_up") == []


def test_an_erased_person_is_not_found(app, browser, person, aigul, writer) -> None:
    assert app.test_client().delete(f"/v1/subjects/{aigul}", headers=writer).status_code == 204
    support = signed_in(browser(), person("support"))

    assert 'id="nobody"' in support.get("/console/subjects?q=aigul.asanova@mail.kg").get_data(
        as_text=True
    )
    assert support.get(f"/console/subjects/{aigul}").status_code == 404
    assert support.get("/console/subjects/not-a-uuid").status_code == 404


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=400))
def test_whatever_is_looked_up_the_answer_is_a_page(app, browser, person, query) -> None:
    support = signed_in(browser(), person("privacy"))

    answer = support.get("/console/subjects", query_string={"q": query})

    assert answer.status_code in (200, 303)
    assert answer.mimetype == "text/html" or answer.status_code == 303
    assert "Traceback" not in page_text(answer)


@pytest.mark.parametrize(
    "query",
    [
        "\x00",
        "a\x00@mail.kg",
        "x" * 5000,
        "' OR 1=1 --",
        "%@%",
        "<script>",
        "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    ],
)
def test_a_hostile_query_is_a_page_and_finds_nobody(app, browser, person, aigul, query) -> None:
    support = signed_in(browser(), person("support"))

    answer = support.get("/console/subjects", query_string={"q": query})

    assert answer.status_code == 200
    assert 'id="nobody"' in answer.get_data(as_text=True)
    assert "<script>" not in answer.get_data(as_text=True).split("<main", 1)[1]


def test_the_person_s_consent_records_download_as_the_api_answers_them_and_are_recorded(
    app, browser, person, aigul, writer
) -> None:
    who = person("support")
    support = signed_in(browser(), who)
    page = support.get(f"/console/subjects/{aigul}")
    assert f"/console/subjects/{aigul}/consent-record" in page_text(page)

    answer = support.get(f"/console/subjects/{aigul}/consent-record")

    assert answer.status_code == 200
    assert answer.mimetype == "application/ld+json"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    api = app.test_client().get(f"/v1/subjects/{aigul}/consent-record", headers=writer)
    assert api.status_code == 200, api.get_json()
    assert answer.get_json() == api.get_json()
    assert {record["dpv:hasPurpose"]["@id"] for record in answer.get_json()["@graph"]}
    assert "aigul.asanova" not in answer.get_data(as_text=True).lower()
    [line] = audit_lines(app, "subject.consent_records_downloaded")
    assert (line.user_id, line.target) == (who.account.id, f"subject:{aigul}")


@pytest.mark.parametrize("role", ["marketing", "sender"])
def test_the_consent_records_are_not_for_marketing(app, browser, person, aigul, role) -> None:
    outsider = signed_in(browser(), person(role))

    assert outsider.get(f"/console/subjects/{aigul}/consent-record").status_code == 403
    assert audit_lines(app, "subject.consent_records_downloaded") == []


def test_an_unknown_person_has_no_consent_records(browser, person) -> None:
    support = signed_in(browser(), person("support"))

    assert support.get(f"/console/subjects/{uuid.uuid4()}/consent-record").status_code == 404
