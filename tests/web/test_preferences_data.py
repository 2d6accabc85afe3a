"""Download my data and delete my data, from the preference centre."""

import json
import uuid

from sqlalchemy import select

from consent_service.adapters import orm
from tests.web.conftest import hidden_fields, submit_preferences


def post_form(client, page_url: str, action_url: str):
    """POST a form of the page at `page_url` as a browser would, with its hidden fields."""
    fields = hidden_fields(client.get(page_url).get_data(as_text=True))
    return client.post(action_url, data={"csrf_token": fields["csrf_token"]})


def test_download_is_a_json_file_with_the_subject_consents_history_and_policies(
    client, new_subject, preferences_url, mailer_sent_nothing
) -> None:
    subject_id = new_subject({"personalization": True, "newsletters": True}, locale="ru")
    url = preferences_url(subject_id)
    submit_preferences(client, url, ["newsletters"])
    response = post_form(client, url, f"{url}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.get_data(as_text=True))
    subject = data["subject"]
    assert subject["subject_id"] == subject_id
    assert subject["email"].endswith("@example.kg")
    assert subject["locale"] == "ru"
    assert {"name", "external_id", "created_at"} <= set(subject)
    assert subject["consents"]["personalization"]["status"] == "withdrawn"
    assert subject["consents"]["personalization"]["source"] == "preference_center"
    assert [(e["purpose"], e["status"]) for e in data["history"]] == [
        ("newsletters", "pending"),
        ("personalization", "granted"),
        ("personalization", "withdrawn"),
    ]
    assert {"recorded_at", "hash", "source", "actor", "policy_version"} <= set(data["history"][0])
    assert [p["version"] for p in data["policies"]] == ["2026-11-01"]


def test_a_download_is_recorded_as_an_access_request_fulfilled_at_once(
    client, app, new_subject, preferences_url, mailer_sent_nothing
) -> None:
    subject_id = new_subject({"newsletters": True})
    url = preferences_url(subject_id)

    assert post_form(client, url, f"{url}/export").status_code == 200

    table = orm.RightsRequest
    with app.extensions["consent.sessions"]() as session:
        [row] = session.execute(select(table)).scalars().all()
    assert (str(row.subject_id), row.kind, row.source) == (
        subject_id,
        "access",
        "preference_center",
    )
    assert (row.status, row.outcome, row.contact_address) == ("closed", "fulfilled", None)
    assert row.requested_at == row.completed_at
    assert (row.due_on - row.requested_at.date()).days in (7, 8)  # a week after the Bishkek day


def test_download_without_the_csrf_field_is_refused(client, new_subject, preferences_url) -> None:
    url = preferences_url(new_subject({"newsletters": True}))
    client.get(url)
    assert client.post(f"{url}/export").status_code == 403


def test_the_delete_page_asks_first_and_changes_nothing(
    client, new_subject, preferences_url, table_counts
) -> None:
    url = preferences_url(new_subject({"newsletters": True}))
    before = table_counts()
    response = client.get(f"{url}/delete")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<form method="post" class="actions">' in page
    assert '<button type="submit" id="confirm-delete" class="danger">' in page
    assert f'href="{url}"' in page
    assert table_counts() == before


def test_confirming_deletion_erases_at_once_and_the_link_then_leads_nowhere(
    client, app, new_subject, preferences_url
) -> None:
    subject_id = new_subject({"newsletters": True}, locale="en")
    url = preferences_url(subject_id)
    fields = hidden_fields(client.get(f"{url}/delete").get_data(as_text=True))
    first = client.post(f"{url}/delete", data={"csrf_token": fields["csrf_token"]})
    assert first.status_code == 200
    assert "Your data has been deleted" in first.get_data(as_text=True)
    again = client.post(f"{url}/delete", data={"csrf_token": fields["csrf_token"]})
    assert again.status_code == 404
    assert client.get(url).status_code == 404
    table = orm.RightsRequest
    with app.extensions["consent.sessions"]() as session:
        rows = session.execute(
            select(table.kind, table.source, table.status, table.outcome, table.contact_address)
        ).all()
        subject = session.get(orm.Subject, uuid.UUID(subject_id))
    assert rows == [("erasure", "preference_center", "closed", "fulfilled", None)]
    assert (subject.email, subject.erased_at is not None) == (None, True)


def test_confirming_deletion_without_the_csrf_field_is_refused(
    client, new_subject, preferences_url, table_counts
) -> None:
    url = preferences_url(new_subject({"newsletters": True}))
    client.get(f"{url}/delete")
    before = table_counts()
    assert client.post(f"{url}/delete").status_code == 403
    assert table_counts() == before


def test_every_route_of_an_erased_subject_is_404(client, app, new_subject, preferences_url) -> None:
    subject_id = new_subject({"newsletters": True})
    url = preferences_url(subject_id)
    fields = hidden_fields(client.get(url).get_data(as_text=True))
    with app.extensions["consent.sessions"]() as session, session.begin():
        subject = session.get(orm.Subject, uuid.UUID(subject_id))
        subject.erased_at, subject.email, subject.email_key = subject.created_at, None, None
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/delete").status_code == 404
    for action in (url, f"{url}/export", f"{url}/delete"):
        assert client.post(action, data=fields | {"purpose": []}).status_code == 404
