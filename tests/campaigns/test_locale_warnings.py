"""Creating a campaign warns of the locales its recipients use and its content lacks."""

import pytest

from tests.campaigns.factories import campaign_body
from tests.factories import consent_body

VERSION = {
    "subject": "News",
    "html": "<p>News</p><a href='{{ unsubscribe_url }}'>out</a>",
    "text": "News {{ unsubscribe_url }}",
}


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """Without double opt-in, a sign-up grants at once."""
    return environ | {"CONSENT_DOUBLE_OPT_IN": ""}


def sign_up(client, writer, locale: str, purposes: dict[str, bool]) -> str:
    body = consent_body(purposes=purposes)
    body["subject"]["locale"] = locale
    response = client.post("/v1/consents", json=body, headers=writer)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["subject_id"]


@pytest.fixture
def readers(client, writer) -> None:
    """Newsletter readers: four in Kyrgyz, three in Russian, one in English; besides them
    people who must not count: another purpose, a withdrawal, an erasure."""
    for locale, count in (("ky", 4), ("ru", 3), ("en", 1)):
        for _ in range(count):
            sign_up(client, writer, locale, {"newsletters": True})
    sign_up(client, writer, "en", {"promotions": True, "newsletters": False})
    withdrawn = sign_up(client, writer, "en", {"newsletters": True})
    answer = client.put(
        f"/v1/subjects/{withdrawn}/consents/newsletters",
        json={"status": "withdrawn", "source": "preference_center"},
        headers=writer,
    )
    assert answer.status_code == 200, answer.get_json()
    erased = sign_up(client, writer, "ru", {"newsletters": True})
    assert client.delete(f"/v1/subjects/{erased}", headers=writer).status_code == 204


@pytest.mark.usefixtures("readers")
@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        (["ky"], [("ru", 3), ("en", 1)]),
        (["ky", "ru"], [("en", 1)]),
        (["ky", "en"], [("ru", 3)]),
        (["ky", "ru", "en"], []),
    ],
)
def test_each_locale_recipients_use_and_the_content_lacks_is_a_warning(
    client, marketer, versions: list[str], expected: list[tuple[str, int]]
) -> None:
    content = dict.fromkeys(versions, VERSION)

    response = client.post("/v1/campaigns", json=campaign_body(content=content), headers=marketer)

    assert response.status_code == 201, response.get_json()
    warnings = response.get_json()["warnings"]
    assert [(w["locale"], w["recipients"]) for w in warnings] == expected
    for warning in warnings:
        assert warning["fallback_locale"] == "ky"
        assert "they will get the 'ky' version (DEFAULT_LOCALE)" in warning["message"]
        assert f"{warning['recipients']} recipient(s) of newsletters use" in warning["message"]


@pytest.mark.usefixtures("readers")
def test_recipients_of_another_purpose_do_not_count(client, marketer) -> None:
    body = campaign_body(purpose="promotions", content={"ky": VERSION})

    response = client.post("/v1/campaigns", json=body, headers=marketer)

    assert response.status_code == 201, response.get_json()
    assert [(w["locale"], w["recipients"]) for w in response.get_json()["warnings"]] == [("en", 1)]


def test_the_warning_is_not_kept_with_the_campaign(client, marketer, writer) -> None:
    sign_up(client, writer, "ru", {"newsletters": True})
    created = client.post(
        "/v1/campaigns", json=campaign_body(content={"ky": VERSION}), headers=marketer
    ).get_json()
    assert [w["locale"] for w in created["warnings"]] == ["ru"]

    shown = client.get(f"/v1/campaigns/{created['id']}", headers=marketer).get_json()

    assert "warnings" not in shown
