"""`POST /v1/campaigns` refuses, quickly and by name, templates that would compute too much."""

import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.campaigns.factories import CONTENT, campaign_body

GUARD_SECONDS = 60
"""Only a guard against hanging: the renderer's own budget is two seconds."""

REPORTED = {
    "a product evaluated while validating": "{{ 'x' * 10**9 }}",
    "a power that answered 500": "{{ 10**(10**6) }}",
    "thirty characters that made 20 MB": "{{ 'x'|center(20000000) }}",
    "the nested loop that hung a sender": (
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
    ),
}


def within(seconds: float, call: Callable[[], Any]) -> Any:
    """`call()`'s answer, or a failure if it has none after `seconds`."""
    answers: list[Any] = []
    worker = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert answers, f"no answer within {seconds} s"
    return answers[0]


@pytest.mark.parametrize("case", list(REPORTED))
@pytest.mark.parametrize("part", ["subject", "html", "text"])
def test_a_reported_template_is_a_422_naming_the_part_and_changes_nothing(
    case: str, part: str, client, marketer, table_counts
) -> None:
    content = {**CONTENT, "en": {**CONTENT["en"], part: REPORTED[case]}}
    before = table_counts()

    response = within(
        GUARD_SECONDS,
        lambda: client.post("/v1/campaigns", json=campaign_body(content=content), headers=marketer),
    )

    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    errors = response.get_json()["errors"]
    assert list(errors) == ["content"]
    assert list(errors["content"]) == ["en"]
    [message] = errors["content"]["en"][part]
    assert message.startswith("cannot be rendered: ")
    assert table_counts() == before
