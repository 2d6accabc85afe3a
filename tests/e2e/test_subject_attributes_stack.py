"""Subject attributes reach the mailer's view through the real processes (`consent serve`,
`consent relay`, `mailer work`), over RabbitMQ on PostgreSQL and over the embedded broker on
SQLite; a change reaches it too, and erasure takes them away (decision 0047)."""

import json
import uuid

from sqlalchemy import create_engine, text

from consent_service.config import database_url as driver_url
from tests.e2e.test_erasure_stack import delete, fake, stack
from tests.factories import unique_email
from tests.stack import Stack, wait_until

__all__ = ["fake", "stack"]


def mailer_attributes(stack: Stack) -> dict[str, object]:
    """Each recipient's attributes as the mailer's database holds them."""
    engine = create_engine(driver_url(stack.environ["MAILER_DATABASE_URL"]))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT subject_id, attributes FROM recipients")).all()
    except Exception:  # noqa: BLE001 - the mailer has not created its tables yet
        return {}
    finally:
        engine.dispose()
    found: dict[str, object] = {}
    for subject, value in rows:
        found[str(uuid.UUID(str(subject)))] = json.loads(value) if isinstance(value, str) else value
    return found


def test_attributes_set_through_the_api_reach_the_mailer_and_leave_with_the_subject(
    stack: Stack,
) -> None:
    body = {
        "subject": {
            "email": unique_email(),
            "locale": "en",
            "attributes": {"plan": "pro", "seats": 3, "renewal": "2027-01-31"},
        },
        "purposes": {"newsletters": True},
        "source": "registration",
    }
    status, answer = stack.call("POST", "/v1/consents", body)
    assert status == 201, answer
    subject_id = answer["subject_id"]
    assert wait_until(
        lambda: (
            mailer_attributes(stack).get(subject_id)
            == {"plan": "pro", "seats": 3, "renewal": "2027-01-31"}
        ),
        30,
    ), mailer_attributes(stack)

    change = {"attributes": {"plan": None, "vip": True}}
    status, answer = stack.call("PATCH", f"/v1/subjects/{subject_id}", change)
    assert status == 200, answer
    expected = {"seats": 3, "renewal": "2027-01-31", "vip": True}
    assert wait_until(lambda: mailer_attributes(stack).get(subject_id) == expected, 30)

    assert delete(stack, subject_id) == 204
    assert wait_until(lambda: subject_id not in mailer_attributes(stack), 30)
