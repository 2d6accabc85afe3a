"""A subject's attributes: a small flat map of facts a sender may segment on (SPEC 10).

At most 50 keys, each matching `[a-z][a-z0-9_]{0,39}`; each value a string of at most 200
characters, a finite number, a boolean or an ISO date. A date is a string of the form
`YYYY-MM-DD` that is a real calendar day; it is stored as that string, and any other string
is a string (decision 0047). Nested values, null inside a stored map, NaN and the infinities
are refused. A refusal names the key at fault; nothing is changed.

`PATCH /v1/subjects/{id}` merges: each given key replaces the stored value, a key given as
null removes it, keys not given stay.
"""

import math
import re
from collections.abc import Mapping
from datetime import date

from plumbing.text import storable

MAX_KEYS = 50
MAX_TEXT = 200
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Value = str | int | float | bool


class InvalidAttributes(ValueError):
    """An attribute map the rules refuse; `field` is `attributes.<key>` or `attributes`."""

    def __init__(self, message: str, *, field: str = "attributes") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def is_date(value: object) -> bool:
    """Whether an attribute value is a date: a `YYYY-MM-DD` string naming a real day."""
    if not isinstance(value, str) or not DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _key_refusal(key: object) -> str | None:
    if not isinstance(key, str) or not KEY.fullmatch(key):
        return "An attribute name is a lower-case letter then up to 39 of a-z, 0-9 and _."
    return None


def _value_refusal(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if abs(value) < 2**53 else "A number must lie within ±2^53."
    if isinstance(value, float):
        return None if math.isfinite(value) else "A number must be finite."
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return f"A text value has at most {MAX_TEXT} characters."
        if not storable(value):
            return "Text may not contain NUL characters or unpaired surrogates."
        return None
    return "A value is a string, a number, a boolean or a YYYY-MM-DD date."


def _checked(key: object, value: object, *, removable: bool) -> None:
    refusal = _key_refusal(key)
    if refusal is not None:
        shown = repr(key)[:50] if isinstance(key, str) else "?"
        raise InvalidAttributes(f"Attribute name {shown}: {refusal}", field="attributes")
    if value is None and removable:
        return
    refusal = _value_refusal(value)
    if refusal is not None:
        raise InvalidAttributes(f"Attribute {key}: {refusal}", field=f"attributes.{key}")


def valid_attributes(raw: object) -> dict[str, Value]:
    """A whole attribute map as given when a subject is created; InvalidAttributes if bad."""
    if not isinstance(raw, Mapping):
        raise InvalidAttributes("Attributes are an object of names to values.")
    if len(raw) > MAX_KEYS:
        raise InvalidAttributes(f"A subject carries at most {MAX_KEYS} attributes.")
    for key, value in raw.items():
        _checked(key, value, removable=False)
    return dict(raw)


def merged_attributes(stored: Mapping[str, Value] | None, changes: object) -> dict[str, Value]:
    """The map after a PATCH: given keys replace, a key given as null is removed."""
    if not isinstance(changes, Mapping):
        raise InvalidAttributes("Attributes are an object of names to values.")
    if len(changes) > 2 * MAX_KEYS:
        raise InvalidAttributes(f"A change names at most {2 * MAX_KEYS} attributes.")
    for key, value in changes.items():
        _checked(key, value, removable=True)
    result = dict(stored or {})
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    if len(result) > MAX_KEYS:
        raise InvalidAttributes(f"A subject carries at most {MAX_KEYS} attributes.")
    return result


def changed_keys(before: Mapping[str, Value] | None, after: Mapping[str, Value]) -> list[str]:
    """The keys whose presence or value differ, sorted (what a ledger entry names)."""
    old = dict(before or {})
    keys = set(old) | set(after)
    return sorted(k for k in keys if k not in old or k not in after or not _same(old[k], after[k]))


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b
