"""The registry under gunicorn with deploy/gunicorn.conf.py, as production runs it.

Its log (access and error lines, read from the process's stderr) shows no link token and no
personal data from a database error; its own answers to requests it cannot parse are
problem documents like every other API answer.
"""

import json
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from consent_service.adapters import schema
from plumbing.db import make_engine
from tests.databases import fresh_postgres
from tests.logged import (
    Logged,
    link_tokens,
    new_key,
    python_module,
    request,
    secret_parts,
    signed_up,
    start_logged,
    visit_link_pages,
)
from tests.processes import ROOT, free_port, wait_for_http

pytestmark = pytest.mark.postgres

SECRET = "gunicorn-log-secret"
REFUSED_EXTERNAL_ID = "refused-by-the-database"
"""The database refuses a subject with this external id, as a constraint the API does not
know about would (added by a DBA, or a later schema): an unhandled error with the row."""

UUID_LIKE = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
URL_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%"


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Logged, dict[str, str]]]:
    home = tmp_path_factory.mktemp("gunicorn")
    with fresh_postgres("consent_gunicorn") as url:
        schema.upgrade(url.replace("postgresql://", "postgresql+psycopg://"))
        engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(
                text(
                    "ALTER TABLE subjects ADD CONSTRAINT refuses_one_external_id "
                    f"CHECK (external_id IS DISTINCT FROM '{REFUSED_EXTERNAL_ID}')"
                )
            )
        engine.dispose()
        port = free_port()
        environ = {
            "CONSENT_INSTANCE_DIR": str(home / "instance"),
            "CONSENT_DATABASE_URL": url,
            "BROKER_URL": "",
            "CONSENT_SECRET_KEY": SECRET,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "XDG_RUNTIME_DIR": str(home),  # gunicorn's control socket, one per server
        }
        server = start_logged(
            python_module(
                "gunicorn",
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "consent_service.wsgi:app",
            ),
            environ,
            home / "gunicorn.log",
            f"http://127.0.0.1:{port}",
        )
        try:
            wait_for_http(f"{server.base}/healthz", timeout=60)
            yield server, environ
        finally:
            server.stop()


def test_gunicorn_access_log_shows_link_pages_without_their_tokens(gunicorn) -> None:
    server, environ = gunicorn
    tokens = link_tokens(SECRET, signed_up(server.base, new_key(environ, "consents:write")))
    visit_link_pages(server.base, tokens)
    wait_for_http(f"{server.base}/healthz?visited")
    server.wait_for("/healthz?visited")
    logged = server.text()
    for secret in secret_parts(tokens):
        assert secret not in logged
    requests = [e["message"] for e in server.entries() if e["logger"] == "gunicorn.access"]
    for shape in (
        '"GET /u/<token> HTTP/1.1" 200',
        '"GET /u/<token>?lang=… HTTP/1.1" 200',
        '"GET /preferences/<token> HTTP/1.1" 200',
        '"GET /confirm/<token> HTTP/1.1" 200',
        '"GET /v1/subjects?next=<token> HTTP/1.1" 401',
        '/preferences/<token>" "',
    ):
        assert any(shape in line for line in requests), shape


def test_an_unhandled_database_error_logs_no_personal_data(gunicorn) -> None:
    server, environ = gunicorn
    key = new_key(environ, "consents:write")
    person = {
        "email": "refused.person@example.kg",
        "name": "Айгерим Сыдыкова",
        "external_id": REFUSED_EXTERNAL_ID,
    }
    before = len(server.entries())
    body = json.dumps(
        {"subject": person, "purposes": {"newsletters": True}, "source": "registration"}
    )
    status, _, answer = request(
        f"{server.base}/v1/consents",
        body.encode(),
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert status == 500, answer
    server.wait_for('"POST /v1/consents HTTP/1.1" 500')
    logged = server.entries()[before:]
    [failure] = [entry for entry in logged if entry.get("event") == "unhandled_error"]
    assert "IntegrityError" in failure["exception"]
    assert "refuses_one_external_id" in failure["exception"]
    written = json.dumps(logged, ensure_ascii=False)
    for value in (person["name"], person["external_id"], person["email"], "Failing row"):
        assert value not in written
    assert UUID_LIKE.search(failure["exception"]) is None, "a subject id was logged"


def _assert_problem(answer: tuple[int, dict[str, str], bytes], status: int) -> None:
    code, headers, body = answer
    assert code == status
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    document = json.loads(body)
    assert document["status"] == status
    assert document["type"] == "about:blank"
    assert document["title"] and document["detail"]


PREFIXES = st.sampled_from(["/v1/subjects/", "/u/", "/preferences/", "/healthz?q=", "/"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=PREFIXES,
    filler=st.text(st.sampled_from(URL_SAFE), min_size=1, max_size=16),
    length=st.integers(min_value=4100, max_value=8000),
)
def test_an_over_long_request_line_is_answered_with_a_problem(
    gunicorn, prefix: str, filler: str, length: int
) -> None:
    server, _ = gunicorn
    path = (prefix + filler * length)[:length]
    _assert_problem(request(server.base + path), 414)


HEADER_NAMES = st.from_regex(r"x-[a-z][a-z0-9-]{0,20}", fullmatch=True)  # unique in any case


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.one_of(
        st.dictionaries(HEADER_NAMES, st.just("v"), min_size=101, max_size=140),
        st.builds(
            lambda name, size: {name: "v" * size},
            HEADER_NAMES,
            st.integers(min_value=8200, max_value=12000),
        ),
    )
)
def test_over_large_header_fields_are_answered_with_a_problem(gunicorn, headers) -> None:
    server, _ = gunicorn
    _assert_problem(request(f"{server.base}/v1/purposes", headers=headers), 431)
