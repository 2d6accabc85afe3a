"""`/v1/layouts`: create, list, read and replace layouts; what is refused writes nothing; a
campaign names its layout and its runs' messages carry it."""

import copy
from datetime import UTC, datetime

import pytest

from schemas.messages import load_message
from tests.campaigns.factories import LAYOUT_VERSIONS, campaign_body, layout_body, outbox

UNKNOWN_ID = "00000000-0000-0000-0000-000000000000"


def create_layout(client, headers, **overrides) -> dict:
    response = client.post("/v1/layouts", json=layout_body(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_created_layout_is_answered_and_found_again(client, marketer) -> None:
    created = create_layout(client, marketer)

    assert created["name"] == "Winter sale"
    assert created["versions"]["ky"]["legal_name"] == "Ала-Тоо Соода ЖЧК"  # noqa: RUF001
    assert created["versions"]["en"] == {
        "shop_name": "Ala-Too shop",
        "logo_url": "",
        "legal_name": "Ala-Too Trade LLC",
        "postal_address": "100 Chui Ave, Bishkek",
        "why": "",
    }
    found = client.get(f"/v1/layouts/{created['id']}", headers=marketer)
    assert found.status_code == 200
    assert found.get_json() == created


def test_the_list_has_every_layout_by_name_and_the_default_from_the_brand_settings(
    client, marketer
) -> None:
    create_layout(client, marketer, name="Zima")
    create_layout(client, marketer, name="Autumn")

    listed = client.get("/v1/layouts", headers=marketer).get_json()

    assert [layout["name"] for layout in listed["layouts"]] == ["Autumn", "Zima"]
    assert set(listed["default"]) == {"ky", "ru", "en"}
    assert listed["default"]["ky"]["shop_name"] == "Example Shop (demo)"
    assert listed["default"]["ky"]["legal_name"] == "Example Shop LLC (demo)"
    assert listed["default"]["ky"]["postal_address"] == "1 Example Street, Bishkek (demo)"


def test_put_replaces_the_name_and_versions(client, marketer) -> None:
    created = create_layout(client, marketer)
    versions = {"ky": {**LAYOUT_VERSIONS["ky"], "postal_address": "Ош ш., Ленин көч. 5"}}

    response = client.put(
        f"/v1/layouts/{created['id']}",
        json={"name": "Spring", "versions": versions},
        headers=marketer,
    )

    assert response.status_code == 200, response.get_json()
    again = client.get(f"/v1/layouts/{created['id']}", headers=marketer).get_json()
    assert again["name"] == "Spring"
    assert set(again["versions"]) == {"ky"}
    assert again["versions"]["ky"]["postal_address"] == "Ош ш., Ленин көч. 5"


@pytest.mark.parametrize(
    ("versions", "where"),
    [
        ({"ky": {**LAYOUT_VERSIONS["ky"], "legal_name": "  "}}, ("ky", "legal_name")),
        ({"ky": {**LAYOUT_VERSIONS["ky"], "postal_address": ""}}, ("ky", "postal_address")),
        ({"ky": {**LAYOUT_VERSIONS["ky"], "shop_name": ""}}, ("ky", "shop_name")),
        ({"ky": {**LAYOUT_VERSIONS["ky"], "logo_url": "javascript:alert(1)"}}, ("ky", "logo_url")),
        ({"en": LAYOUT_VERSIONS["en"]}, ("ky", None)),
    ],
    ids=["no legal name", "no postal address", "no shop name", "logo not a web address", "no ky"],
)
def test_a_layout_without_the_shops_identity_is_refused_and_nothing_is_stored(
    client, marketer, table_counts, versions, where
) -> None:
    before = table_counts()

    response = client.post("/v1/layouts", json=layout_body(versions=versions), headers=marketer)

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    errors = response.get_json()["errors"]["versions"][where[0]]
    if where[1] is not None:
        assert where[1] in errors
    assert table_counts() == before


@pytest.mark.parametrize(
    "body",
    [
        layout_body(versions={"ky": {**LAYOUT_VERSIONS["ky"], "footer_html": "<p>bye</p>"}}),
        layout_body(versions={"de": LAYOUT_VERSIONS["en"]}),
        layout_body(name=""),
        {"versions": LAYOUT_VERSIONS},
        layout_body(versions={"ky": {"shop_name": "A", "legal_name": "B"}}),
    ],
    ids=["markup field", "unknown locale", "empty name", "no name", "no postal address"],
)
def test_a_malformed_layout_is_refused_and_nothing_is_stored(
    client, marketer, table_counts, body
) -> None:
    """A layout holds values, never markup: nothing can take the links out of the footer."""
    before = table_counts()

    response = client.post("/v1/layouts", json=body, headers=marketer)

    assert response.status_code == 422
    assert table_counts() == before


def test_an_invalid_replacement_changes_nothing(client, marketer, table_counts) -> None:
    created = create_layout(client, marketer)
    before = table_counts()
    versions = copy.deepcopy(LAYOUT_VERSIONS)
    versions["ky"]["legal_name"] = ""

    response = client.put(
        f"/v1/layouts/{created['id']}", json=layout_body(versions=versions), headers=marketer
    )

    assert response.status_code == 422
    assert table_counts() == before
    again = client.get(f"/v1/layouts/{created['id']}", headers=marketer).get_json()
    assert again == created


@pytest.mark.parametrize("layout_id", [UNKNOWN_ID, "not-a-uuid"])
def test_an_unknown_layout_is_404(client, marketer, layout_id) -> None:
    assert client.get(f"/v1/layouts/{layout_id}", headers=marketer).status_code == 404
    replaced = client.put(f"/v1/layouts/{layout_id}", json=layout_body(), headers=marketer)
    assert replaced.status_code == 404


def test_reading_needs_campaigns_read_and_writing_campaigns_write(client, reader) -> None:
    assert client.get("/v1/layouts", headers=reader).status_code == 200
    assert client.post("/v1/layouts", json=layout_body(), headers=reader).status_code == 403


def test_a_campaign_names_its_layout_and_its_runs_carry_the_layout(app, client, marketer) -> None:
    layout = create_layout(client, marketer)
    at = datetime(2030, 1, 1, 9, tzinfo=UTC).isoformat()
    response = client.post(
        "/v1/campaigns",
        json=campaign_body(layout=layout["id"], schedule={"at": at}),
        headers=marketer,
    )
    assert response.status_code == 201, response.get_json()
    campaign = response.get_json()
    assert campaign["layout"] == layout["id"]

    started = client.post(f"/v1/campaigns/{campaign['id']}/runs", headers=marketer)

    assert started.status_code == 202
    (message,) = outbox(app, "campaign.run_requested")
    loaded = load_message(message)
    assert loaded["layout"]["ky"]["legal_name"] == "Ала-Тоо Соода ЖЧК"  # noqa: RUF001
    assert loaded["layout"]["en"]["postal_address"] == "100 Chui Ave, Bishkek"


def test_a_campaign_without_a_layout_asks_for_the_default(app, client, marketer) -> None:
    at = datetime(2030, 1, 1, 9, tzinfo=UTC).isoformat()
    created = client.post(
        "/v1/campaigns", json=campaign_body(schedule={"at": at}), headers=marketer
    ).get_json()
    assert created["layout"] is None

    client.post(f"/v1/campaigns/{created['id']}/runs", headers=marketer)

    (message,) = outbox(app, "campaign.run_requested")
    assert load_message(message)["layout"] is None


@pytest.mark.parametrize("layout", [UNKNOWN_ID, "not-a-uuid", 7])
def test_a_campaign_naming_no_known_layout_is_refused_and_nothing_is_stored(
    client, marketer, table_counts, layout
) -> None:
    before = table_counts()

    response = client.post("/v1/campaigns", json=campaign_body(layout=layout), headers=marketer)

    assert response.status_code == 422
    assert "layout" in response.get_json()["errors"]
    assert table_counts() == before
