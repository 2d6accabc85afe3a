"""`/.well-known/gpc.json`: the GPC support resource (W3C GPC section 4, decision 0039)."""

import json
import re

from consent_service.domain.gpc import STATEMENT_DATE
from tests.processes import ROOT

DECISION = ROOT / "docs" / "decisions" / "0039-global-privacy-control.md"


def test_it_says_the_shop_abides_by_gpc_as_json(client) -> None:
    response = client.get("/.well-known/gpc.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert json.loads(response.get_data()) == {"gpc": True, "lastUpdate": "2026-12-07"}


def test_its_date_is_the_decision_s_date(client) -> None:
    """`lastUpdate` is when the statement was made: the day decision 0039 was taken."""
    decided = re.search(r"^Date: (\d{4}-\d{2}-\d{2})$", DECISION.read_text(), re.MULTILINE)
    assert decided is not None, "decision 0039 names no date"
    assert STATEMENT_DATE.isoformat() == decided.group(1)
    assert client.get("/.well-known/gpc.json").get_json()["lastUpdate"] == decided.group(1)


def test_it_needs_no_key_sets_no_cookie_and_may_be_cached(client) -> None:
    client.get("/preferences/nothing")  # a public page first: its CSRF cookie must not follow
    response = client.get("/.well-known/gpc.json")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["ETag"]


def test_a_revalidation_with_its_etag_is_a_304(client) -> None:
    etag = client.get("/.well-known/gpc.json").headers["ETag"]
    again = client.get("/.well-known/gpc.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert "Set-Cookie" not in again.headers


def test_head_answers_the_headers_without_the_body(client) -> None:
    response = client.head("/.well-known/gpc.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_data() == b""


def test_it_writes_nothing(client, table_counts) -> None:
    before = table_counts()
    client.get("/.well-known/gpc.json", headers={"Sec-GPC": "1"})
    assert table_counts() == before
