"""Email layouts (domain/layouts.py)."""

import uuid
from typing import Any, Protocol

from consent_service.domain.layouts import Layout


class Layouts(Protocol):
    def add_layout(self, layout: Layout) -> None: ...

    def layout(self, layout_id: uuid.UUID, *, for_update: bool = False) -> Layout | None: ...

    def layouts(self) -> list[Layout]:
        """Every layout, by name."""
        ...

    def update_layout(self, layout_id: uuid.UUID, **values: Any) -> None: ...
