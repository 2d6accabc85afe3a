"""What a request sends, as a schema loads it: a JSON body, a query string; else a problem.

The API reads its bodies so, and so does the public sign-up form when JavaScript on a shop's
page posts JSON to it (web/forms.py): both refuse a body the same way (decision 0019).
"""

import json
from collections import Counter
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from consent_service.faces.problems import Problem, invalid_body


def json_body(schema: Schema) -> dict[str, Any]:
    """The body as the schema loads it, or the problem that says what is wrong with it."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Problem(
            415,
            "Unsupported Media Type",
            "Send the body as application/json.",
            slug="unsupported-media-type",
        )
    return _loaded(schema, parse_json(request.get_data(cache=True)))


def query_args(schema: Schema) -> dict[str, Any]:
    """The query string as the schema loads it (a repeated parameter counts once), or 422."""
    return _loaded(schema, request.args.to_dict(), "The query string is not valid.")


def _loaded(schema: Schema, data: Any, detail: str = "The request body is not valid.") -> Any:
    try:
        return schema.load(data)
    except ValidationError as error:
        errors = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        raise invalid_body(errors, detail) from None


MAX_NESTING = 32
"""Arrays and objects inside one another in a body: no body the API reads needs more than
five, and a bound keeps every later walk over the body (the schemas, the error document) far
from Python's recursion limit."""


def parse_json(raw: bytes) -> Any:
    """A JSON document whose objects each name a key once; else 400 or 422 saying why.

    Python keeps the last of two equal keys, so `{"source": "import", "source": "order"}`
    would be read one way here and another by a client, a proxy or a log reader that keeps
    the first: a duplicate is refused, naming where it is (decision 0019).
    """
    try:
        document = json.loads(raw, object_pairs_hook=_Object.of)
    except (ValueError, UnicodeDecodeError) as error:
        raise _malformed(f"The body is not valid JSON: {error}.") from None
    except RecursionError:
        raise _malformed(f"The body nests more than {MAX_NESTING} arrays or objects.") from None
    duplicates = _duplicated_keys(document)
    if duplicates:
        keys = ", ".join(sorted({repr(path[-1]) for path in duplicates}))
        raise Problem(
            422,
            "Duplicate key",
            f"A JSON object names a key more than once: {keys}.",
            slug="duplicate-key",
            errors=_nested(duplicates, "Given more than once; name each key once."),
        )
    return document


def _malformed(detail: str) -> Problem:
    return Problem(400, "Malformed JSON", detail, slug="malformed-json")


class _Object(dict[str, Any]):
    """A JSON object as parsed, with the keys its text names more than once."""

    duplicated: tuple[str, ...] = ()

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> "_Object":
        parsed = cls(pairs)
        if len(parsed) != len(pairs):
            counts = Counter(key for key, _ in pairs)
            parsed.duplicated = tuple(key for key, count in counts.items() if count > 1)
        return parsed


def _duplicated_keys(document: Any) -> list[tuple[str, ...]]:
    """The path of every duplicated key; 400 beyond MAX_NESTING. Iterative, so that a deep
    document cannot exhaust the stack here either."""
    found: list[tuple[str, ...]] = []
    pending: list[tuple[tuple[str, ...], Any]] = [((), document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, dict | list) and len(path) >= MAX_NESTING:
            raise _malformed(f"The body nests more than {MAX_NESTING} arrays or objects.")
        if isinstance(value, _Object):
            found.extend((*path, key) for key in value.duplicated)
            pending.extend(((*path, key), inner) for key, inner in value.items())
        elif isinstance(value, list):
            pending.extend(((*path, str(index)), inner) for index, inner in enumerate(value))
    return found


def _nested(paths: list[tuple[str, ...]], message: str) -> dict[str, Any]:
    """`{"subject": {"email": [message]}}` for ("subject", "email"): the shape of `errors`."""
    errors: dict[str, Any] = {}
    for path in sorted(paths, key=len):
        level = errors
        for key in path[:-1]:
            level = level.setdefault(key, {})
            if not isinstance(level, dict):  # an outer duplicate says it already
                break
        else:
            level[path[-1]] = [message]
    return errors
