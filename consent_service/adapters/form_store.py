"""Reads and writes of `forms`, the sign-up form definitions; the caller owns the transaction."""

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, insert, select

from consent_service.adapters import orm
from consent_service.domain.forms import SignupForm

_F = orm.SignupForm.__table__
_COLUMNS = [_F.c[name] for name in SignupForm.__dataclass_fields__]


def _form(row: Any) -> SignupForm:
    found = dict(row._mapping)
    return SignupForm(
        **found
        | {"purposes": tuple(found["purposes"]), "allowed_origins": tuple(found["allowed_origins"])}
    )


class FormStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add_form(self, form: SignupForm) -> None:
        values = asdict(form) | {
            "purposes": list(form.purposes),
            "allowed_origins": list(form.allowed_origins),
        }
        self.connection.execute(insert(_F).values(values))

    def form(self, form_id: str) -> SignupForm | None:
        row = self.connection.execute(select(*_COLUMNS).where(_F.c.form_id == form_id)).first()
        return _form(row) if row else None

    def forms(self) -> list[SignupForm]:
        rows = self.connection.execute(select(*_COLUMNS).order_by(_F.c.form_id))
        return [_form(row) for row in rows]
