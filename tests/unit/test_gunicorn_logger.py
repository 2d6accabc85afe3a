"""gunicorn's access atoms are masked before any access log format sees them."""

import uuid
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from consent_service.gunicorn_hooks import MaskingLogger
from plumbing.tokens import LinkSigner


def test_no_access_atom_carries_a_token_or_an_address() -> None:
    token = LinkSigner("secret").preferences_token(uuid.uuid4())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/preferences/{token}?lang=ru",
        "PATH_INFO": f"/preferences/{token}",
        "QUERY_STRING": f"lang=ru&next={token}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://shop.example.kg/u/{token}?email=aibek@example.kg",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="200 OK", headers=[], sent=10)
    atoms = MaskingLogger(Config()).atoms(response, request, environ, timedelta(0))
    written = " ".join(str(value) for value in atoms.values())
    assert token not in written
    assert "aibek@example.kg" not in written
    assert atoms["r"] == "GET /preferences/<token>?lang=… HTTP/1.1"
    assert atoms["U"] == "/preferences/<token>"
