"""Every string a request can carry is loaded by `Text`, which refuses what cannot be stored.

A plain `fields.String` in a request schema would let a NUL or a lone surrogate through to
the database (decision 0019), so none may exist; a new request schema is checked here too.
"""

import importlib
import pkgutil

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, fields

import schemas.api
from consent_service.domain.errors import DomainError
from consent_service.domain.purposes import CATALOGUE, consent_purpose
from schemas.api.consents import consent_refusal
from schemas.api.fields import RequestSchema, Text


def _request_schemas() -> list[type[Schema]]:
    for module in pkgutil.iter_modules(schemas.api.__path__):
        importlib.import_module(f"schemas.api.{module.name}")
    found, pending = [], [RequestSchema]
    while pending:
        schema = pending.pop()
        found.append(schema)
        pending.extend(schema.__subclasses__())
    return [schema for schema in found if schema is not RequestSchema]


def _strings(field: fields.Field, path: str) -> list[tuple[str, fields.Field]]:
    """Every string field in `field`: list items, dict keys and values, nested schemas."""
    if isinstance(field, fields.Nested):
        nested = field.schema
        return [
            s for name, inner in nested.fields.items() for s in _strings(inner, f"{path}.{name}")
        ]
    if isinstance(field, fields.List):
        return _strings(field.inner, f"{path}[]")
    if isinstance(field, fields.Dict):
        parts = [(field.key_field, f"{path}.key"), (field.value_field, f"{path}.value")]
        return [s for inner, where in parts if inner is not None for s in _strings(inner, where)]
    return [(path, field)] if isinstance(field, fields.String) else []


def test_the_request_schemas_are_found() -> None:
    names = {schema.__name__ for schema in _request_schemas()}
    assert {"ConsentRequestSchema", "CampaignCreateSchema", "SubjectLookupSchema"} <= names


@pytest.mark.parametrize("schema", _request_schemas(), ids=lambda schema: schema.__name__)
def test_every_string_of_a_request_is_text(schema: type[Schema]) -> None:
    plain = [
        path
        for name, field in schema().fields.items()
        for path, inner in _strings(field, name)
        if not isinstance(inner, Text)
    ]
    assert plain == []


@given(st.sampled_from(sorted(CATALOGUE)) | st.text(max_size=40))
def test_a_refused_purpose_is_refused_in_the_domains_words(purpose: str) -> None:
    """The schema refuses before the domain runs, so both must give the same reason."""
    refusal = consent_refusal(purpose)
    if refusal is None:
        assert consent_purpose(purpose).is_consent_based
    else:
        with pytest.raises(DomainError) as error:
            consent_purpose(purpose)
        assert error.value.message == refusal
