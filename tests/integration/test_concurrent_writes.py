"""Concurrent writers: one subject per address, versions without gaps, no half-written change."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from consent_service.adapters import orm
from consent_service.adapters.repository import SqlRepository
from tests.factories import consent_body
from tests.processes import consent_cli


def test_simultaneous_first_sign_ups_with_one_address_make_one_subject(
    app, writer, registry_session
) -> None:
    purposes = ["newsletters", "promotions", "surveys", "personalization"]

    def sign_up(purpose: str) -> tuple[int, str]:
        body = consent_body(email="Same@Example.kg", purposes={purpose: True})
        response = app.test_client().post("/v1/consents", json=body, headers=writer)
        return response.status_code, response.get_json()["subject_id"]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(sign_up, purposes * 3))
    assert sorted(status for status, _ in results).count(201) == 1
    assert len({subject for _, subject in results}) == 1
    session = registry_session().session
    assert session.scalar(select(func.count()).select_from(orm.Subject)) == 1
    seqs = session.scalars(select(orm.LedgerEntry.seq).order_by(orm.LedgerEntry.seq)).all()
    assert seqs == [1, 2, 3, 4]
    assert session.scalar(select(orm.Subject.version)) == 4


def test_simultaneous_retries_with_one_idempotency_key_write_once(
    app, writer, table_counts
) -> None:
    body = consent_body(purposes={"personalization": True})
    headers = writer | {"Idempotency-Key": "race-1"}

    def post(_: int) -> tuple[int, dict]:
        response = app.test_client().post("/v1/consents", json=body, headers=headers)
        return response.status_code, response.get_json()

    before = table_counts()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(post, range(8)))
    assert {status for status, _ in results} == {201}
    assert len({answer["subject_id"] for _, answer in results}) == 1
    after = table_counts()
    assert after["subjects"] - before["subjects"] == 1
    assert after["consent_ledger"] - before["consent_ledger"] == 1
    assert after["idempotency_keys"] - before["idempotency_keys"] == 1


def test_a_failure_after_the_ledger_write_leaves_nothing_behind(
    app, writer, table_counts, monkeypatch
) -> None:
    """The outbox insert fails: the subject, consent and ledger rows must go with it."""

    def broken_outbox(self, messages) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SqlRepository, "add_outbox", broken_outbox)
    before = table_counts()
    response = app.test_client().post("/v1/consents", json=consent_body(), headers=writer)
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    assert table_counts() == before


def test_many_subjects_written_at_once_each_keep_a_gapless_chain(app, writer, environ) -> None:
    def sign_up(n: int) -> int:
        body = consent_body(purposes={"newsletters": True, "personalization": n % 2 == 0})
        return app.test_client().post("/v1/consents", json=body, headers=writer).status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(sign_up, range(40))) == {201}
    result = consent_cli(environ, "audit", "verify")
    assert result.returncode == 0, result.stdout
    assert "80 entries, 40 subjects" in result.stdout
