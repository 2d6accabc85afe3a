"""Reads and writes of `layouts`; the caller owns the transaction."""

import uuid
from typing import Any

from sqlalchemy import Connection, insert, select, update

from consent_service.adapters import orm
from consent_service.domain.layouts import Layout
from plumbing.layouts import LayoutVersion

_L = orm.Layout.__table__


def _layout(row: Any) -> Layout:
    values = row._mapping
    return Layout(
        id=values["id"],
        name=values["name"],
        versions={
            locale: LayoutVersion.from_json(raw) for locale, raw in values["versions"].items()
        },
        created_at=values["created_at"],
        updated_at=values["updated_at"],
    )


def _json(versions: dict[str, LayoutVersion]) -> dict[str, dict[str, str]]:
    return {locale: version.to_json() for locale, version in versions.items()}


class LayoutStore:
    """The `Layouts` port over one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add_layout(self, layout: Layout) -> None:
        self.connection.execute(
            insert(_L).values(
                id=layout.id,
                name=layout.name,
                versions=_json(layout.versions),
                created_at=layout.created_at,
                updated_at=layout.updated_at,
            )
        )

    def layout(self, layout_id: uuid.UUID, *, for_update: bool = False) -> Layout | None:
        query = select(_L).where(_L.c.id == layout_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        return _layout(row) if row else None

    def layouts(self) -> list[Layout]:
        rows = self.connection.execute(select(_L).order_by(_L.c.name, _L.c.id))
        return [_layout(row) for row in rows]

    def update_layout(self, layout_id: uuid.UUID, **values: Any) -> None:
        if "versions" in values:
            values["versions"] = _json(values["versions"])
        self.connection.execute(update(_L).where(_L.c.id == layout_id).values(**values))
