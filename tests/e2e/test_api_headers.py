"""Every API answer says: do not sniff the content type, do not store me anywhere."""

import uuid

import pytest

from consent_service.services.api_keys import SCOPES
from consent_service.web import public_blueprints

API_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
ARGUMENTS = {
    "subject_id": str(uuid.uuid4()),
    "campaign_id": str(uuid.uuid4()),
    "transfer_id": str(uuid.uuid4()),
    "purpose": "newsletters",
    "name": "00",
    "action": "pause",
    "form_id": "newsletter",
    "key_id": "0123456789ab",
    "layout_id": str(uuid.uuid4()),
    "run_id": str(uuid.uuid4()),
}
PUBLIC = {blueprint.name for blueprint in public_blueprints()} | {"assets", "static", "well_known"}
"""Not the API: the pages, their assets and `/.well-known/gpc.json`, which is the same for
everyone and meant to be cached (tests/web/test_gpc_support.py)."""


def api_requests(app) -> list[tuple[str, str]]:
    """(method, path) of every API route and method; public pages, console and assets left out."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.partition(".")[0] in PUBLIC or rule.endpoint == "static":
            continue
        if rule.rule.startswith("/console"):  # the console's own headers: tests/console
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", ARGUMENTS[name])
            path = path.replace(f"<any(pause, resume, cancel):{name}>", ARGUMENTS[name])
        found.extend((method, path) for method in sorted(rule.methods or ()))
    return found


@pytest.mark.parametrize("authorised", [False, True], ids=["no key", "all scopes"])
def test_every_api_answer_forbids_sniffing_and_storing(app, client, make_key, authorised) -> None:
    headers = {"Authorization": f"Bearer {make_key(*SCOPES)}"} if authorised else {}
    answers = []
    for method, path in [*api_requests(app), ("GET", "/v1/nowhere"), ("DELETE", "/healthz")]:
        response = client.open(path, method=method, json={}, headers=headers)
        answers.append((method, path, response.status_code))
        for name, value in API_HEADERS.items():
            assert response.headers.get(name) == value, (method, path, response.status_code)
    assert {status for _, _, status in answers} >= {200, 404, 405}
