"""Email layouts in memory: the `Layouts` port over the fake's `Tables`."""

import dataclasses
import uuid
from typing import Any

from consent_service.domain.layouts import Layout
from tests.fakes.tables import Tables


class FakeLayouts:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add_layout(self, layout: Layout) -> None:
        self.tables.layouts[layout.id] = layout

    def layout(self, layout_id: uuid.UUID, *, for_update: bool = False) -> Layout | None:
        return self.tables.layouts.get(layout_id)

    def layouts(self) -> list[Layout]:
        return sorted(self.tables.layouts.values(), key=lambda layout: (layout.name, layout.id))

    def update_layout(self, layout_id: uuid.UUID, **values: Any) -> None:
        stored = self.tables.layouts[layout_id]
        self.tables.layouts[layout_id] = dataclasses.replace(stored, **values)
