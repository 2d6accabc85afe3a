"""Hostile deliveries with valid signatures: never a 5xx, which would make SendGrid post the
whole batch again and again; events with text the registry cannot store are skipped."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import consent_body
from tests.hostile_input import (
    Pairs,
    deeply_nested,
    encode,
    hostile_text,
    json_values,
    unstorable_text,
)
from tests.sendgrid_events import PATH, SendGrid

EVENT_FIELDS = ("sg_event_id", "event", "email", "type", "reason", "campaign_id", "timestamp")
KINDS = ("bounce", "dropped", "spamreport", "unsubscribe", "group_unsubscribe", "delivered")
FUZZED = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def sendgrid() -> SendGrid:
    return SendGrid()


@pytest.fixture
def environ(environ: dict[str, str], sendgrid: SendGrid) -> dict[str, str]:
    return environ | {"SENDGRID_WEBHOOK_PUBLIC_KEY": sendgrid.public_key}


@pytest.fixture
def known_address(client, writer) -> str:
    """An address the registry holds, so that events about it reach the database."""
    body = consent_body("known@example.kg", {"newsletters": True, "personalization": True})
    assert client.post("/v1/consents", json=body, headers=writer).status_code == 201
    return "known@example.kg"


def _post(client, sendgrid: SendGrid, body: bytes):
    headers = sendgrid.headers(body) | {"Content-Type": "application/json"}
    return client.post(PATH, data=body, headers=headers)


@st.composite
def _event(draw: st.DrawFn, address: str) -> Pairs:
    """An event with SendGrid's fields, any of them hostile, missing, or given twice."""
    plausible = {
        "sg_event_id": st.uuids().map(str),
        "event": st.sampled_from(KINDS),
        "email": st.just(address),
        "type": st.just("bounce"),
        "reason": st.just("Invalid"),
        "campaign_id": st.uuids().map(str),
        "timestamp": st.integers(0, 2**31),
    }
    names = draw(st.lists(st.sampled_from(EVENT_FIELDS), max_size=9))
    hostile = st.one_of(unstorable_text(), hostile_text, json_values)
    return Pairs(
        (name, draw(st.one_of(plausible[name], hostile) if draw(st.booleans()) else hostile))
        for name in names
    )


@st.composite
def deliveries(draw: st.DrawFn, address: str) -> bytes:
    kind = draw(st.sampled_from(("events", "events", "events", "random", "deep")))
    if kind == "deep":
        return ("[" + deeply_nested(draw(st.integers(30, 5000))) + "]").encode()
    value = draw(json_values if kind == "random" else st.lists(_event(address), max_size=5))
    return encode(value).encode("utf-8", "surrogatepass")


@FUZZED
@given(data=st.data())
def test_a_signed_hostile_delivery_is_never_answered_5xx(
    data, client, sendgrid, known_address
) -> None:
    body = data.draw(deliveries(known_address))
    response = _post(client, sendgrid, body)
    assert response.status_code in (200, 400, 413, 422), (body, response.get_json())
    assert response.content_type in ("application/json", "application/problem+json")


@FUZZED
@given(
    field=st.sampled_from(["sg_event_id", "event", "email"]),
    text=unstorable_text(),
    count=st.integers(1, 3),
)
def test_events_with_text_the_registry_cannot_store_are_skipped_and_change_nothing(
    field, text, count, client, sendgrid, known_address, table_counts
) -> None:
    event = {"sg_event_id": "sg-1", "event": "spamreport", "email": known_address}
    events = [event | {"sg_event_id": f"sg-{n}", field: text} for n in range(count)]
    before = table_counts()
    response = _post(client, sendgrid, encode(events).encode("utf-8", "surrogatepass"))
    assert response.status_code == 200
    assert response.get_json()["skipped"] == count
    assert table_counts() == before
