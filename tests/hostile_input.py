"""Hypothesis strategies for input meant to break things, and how to put it on the wire.

JSON documents are drawn as Python values in which an object is a `Pairs` list, so that one
object can name a key twice; `encode` writes them as JSON text (lone surrogates as `\\ud800`
escapes, which Python's parser turns back into lone surrogates, as a hostile client's would).
"""

import json
import math
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

UNSTORABLE = ("\x00", "\ud800", "\udfff", "a\x00b", "x\udc80y")
"""Text PostgreSQL cannot store (NUL) or UTF-8 cannot encode (unpaired surrogates)."""
ODD_TEXT = (
    *UNSTORABLE,
    "",
    " ",
    "9" * 5000,
    "4111 1111 1111 1111",
    "../../etc/passwd",
    "%00",
    "<script>",
    "NaN",
    "\u202e",
    "\U0001f600",
    "ﬃ",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+05:00",
)
HUGE_NUMBERS = (10**400, -(10**400), 2**63, -(2**63) - 1, 1e308, math.inf, -math.inf, math.nan)

any_text = st.text(st.characters(exclude_categories=()), max_size=40)
"""Any code points, lone surrogates and NUL included."""
hostile_text = st.one_of(st.sampled_from(ODD_TEXT), any_text)


def _sendable(value: str) -> bool:
    """What a browser can put in a form: the test client encodes it as UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


typed_in_a_form = hostile_text.filter(_sendable)
"""Hostile text a person can type into a console form (no lone surrogates)."""


@st.composite
def unstorable_text(draw: st.DrawFn) -> str:
    """Text with at least one NUL or lone surrogate somewhere in it."""
    before, after = draw(st.text(max_size=10)), draw(st.text(max_size=10))
    return before + draw(st.sampled_from(UNSTORABLE)) + after


class Pairs(list):
    """A JSON object as (key, value) pairs; a key may occur more than once."""


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE_NUMBERS),
    st.floats(),
    hostile_text,
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(st.tuples(hostile_text, children), max_size=4).map(Pairs),
    )


json_values = st.recursive(scalars, _containers, max_leaves=12)


def encode(value: Any) -> str:
    """JSON text for a drawn value; NaN and infinities as Python writes them."""
    if isinstance(value, Pairs):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(item) for item in value) + "]"
    if isinstance(value, dict):
        return encode(Pairs(value.items()))
    return json.dumps(value)


def deeply_nested(depth: int) -> str:
    return (
        '{"a":' * (depth // 2)
        + "[" * (depth - depth // 2)
        + "]" * (depth - depth // 2)
        + ("}" * (depth // 2))
    )


def url_quote(text: str) -> str:
    """Percent-encode any text, a lone surrogate as the (invalid) UTF-8 bytes it would be."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def query_string(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{url_quote(key)}={url_quote(value)}" for key, value in pairs)
