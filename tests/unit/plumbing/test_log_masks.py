"""What a log line may not show: link tokens, guessable address digests, terminal colours."""

import hashlib
import json
import logging
import uuid

from hypothesis import given
from hypothesis import strategies as st

from plumbing.logs import EMAIL_LIKE, JsonFormatter, mask, mask_emails, mask_key
from plumbing.tokens import LinkSigner
from plumbing.vocabulary import CONSENT_PURPOSES

ROUTES = {"u": "unsubscribe", "preferences": "preferences", "confirm": "confirm"}
TAILS = ["", "/undo", "/resend", "/delete", "/export", "/"]
QUERY_NAMES = st.sampled_from(["lang", "token", "endpoint", "_method", "next", "t"])
ADDRESSES = st.from_regex(EMAIL_LIKE, fullmatch=True)
"""Addresses as the mask finds them in a line (what it finds is another test's matter)."""


def _token(secret: str, route: str, subject_id: uuid.UUID, purpose: str) -> str:
    signer = LinkSigner(secret)
    if route == "u":
        return signer.unsubscribe_token(subject_id, purpose)
    if route == "preferences":
        return signer.preferences_token(subject_id)
    return signer.confirm_token(subject_id)


def _record(message: str) -> logging.LogRecord:
    return logging.makeLogRecord({"name": "werkzeug", "levelno": logging.INFO, "msg": message})


@st.composite
def access_lines(draw: st.DrawFn) -> tuple[str, str, str]:
    """An access log line for a link page with a real token, in the path, the query and the
    Referer; returns (line, token, route)."""
    route = draw(st.sampled_from(sorted(ROUTES)))
    token = _token(
        draw(st.text(min_size=1, max_size=40)),
        route,
        draw(st.uuids()),
        draw(st.sampled_from(sorted(CONSENT_PURPOSES))),
    )
    names = draw(st.lists(QUERY_NAMES, max_size=3))
    values = draw(st.lists(st.sampled_from([token, "ru", ""]), min_size=len(names)))
    query = "&".join(f"{name}={value}" for name, value in zip(names, values, strict=False))
    path = f"/{route}/{token}{draw(st.sampled_from(TAILS))}" + (f"?{query}" if query else "")
    referer = draw(st.sampled_from(["-", f"https://shop.example.kg/{route}/{token}", token]))
    method = draw(st.sampled_from(["GET", "POST", "HEAD"]))
    line = f'127.0.0.1 - - [07/Dec/2026:10:00:00] "{method} {path} HTTP/1.1" 200 5 "{referer}"'
    return line, token, route


@given(access_lines())
def test_no_part_of_a_link_token_survives_the_mask(case: tuple[str, str, str]) -> None:
    line, token, route = case
    written = JsonFormatter().format(_record(line))
    signature = token.rsplit(".", 1)[1]
    assert token not in written
    assert signature not in written
    assert f"/{route}/<token>" in json.loads(written)["message"]


@given(access_lines())
def test_masking_twice_changes_nothing(case: tuple[str, str, str]) -> None:
    """gunicorn's atoms are masked, then the whole line again: the shape must not stutter."""
    line, _, _ = case
    assert mask(mask(line)) == mask(line)


def test_a_masked_line_keeps_the_shape_of_the_route() -> None:
    token = LinkSigner("s").unsubscribe_token(uuid.uuid4(), "newsletters")
    line = f'"POST /u/{token}/undo?lang=ru&token={token} HTTP/1.1" 303'
    assert mask(line) == '"POST /u/<token>/undo?lang=…&token=… HTTP/1.1" 303'


@given(ADDRESSES, st.text(min_size=1), st.text(min_size=1))
def test_the_address_mask_depends_on_the_secret(address: str, one: str, other: str) -> None:
    if mask_key(one) == mask_key(other):
        return
    assert mask_emails(address, mask_key(one)) != mask_emails(address, mask_key(other))


@given(ADDRESSES, st.text(min_size=1))
def test_the_address_mask_is_not_a_plain_hash_of_the_address(address: str, secret: str) -> None:
    masked = mask_emails(address, mask_key(secret))
    for guess in (address, address.lower()):
        plain = hashlib.sha256(guess.encode()).hexdigest()
        assert plain[:12] not in masked
        assert address not in masked


@given(st.lists(st.integers(min_value=0, max_value=107), min_size=1, max_size=3))
def test_terminal_colours_never_reach_a_json_line(codes: list[int]) -> None:
    colour = "\x1b[" + ";".join(map(str, codes)) + "m"
    written = JsonFormatter().format(
        _record(f'127.0.0.1 - - "{colour}GET /nowhere HTTP/1.1\x1b[0m" 404 -')
    )
    assert "\x1b" not in written
    assert "\\u001b" not in written
    assert json.loads(written)["message"] == '127.0.0.1 - - "GET /nowhere HTTP/1.1" 404 -'
