"""Layout use cases: create, read, list and replace an email layout.

Every value is checked at once, before the first statement (domain/layouts.py), so a refused
layout writes nothing and its author sees every problem in one answer. The default layout is
not stored: it is the brand settings (`plumbing/layouts.py`), shown beside the stored ones so
that the console can say what a campaign without a layout looks like.
"""

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from consent_service.domain.layouts import (
    InvalidLayout,
    Layout,
    LayoutNotFound,
    layout_errors,
    versions_from,
)
from consent_service.domain.locales import LOCALES
from consent_service.services.ports.layouts import Layouts
from plumbing.layouts import LayoutVersion, default_version
from plumbing.shop import Shop


def _checked(
    name: str, versions: Mapping[str, Mapping[str, str]], default_locale: str
) -> dict[str, LayoutVersion]:
    if errors := layout_errors(name, versions, default_locale):
        raise InvalidLayout(errors)
    return versions_from(versions)


def create_layout(
    store: Layouts,
    name: str,
    versions: Mapping[str, Mapping[str, str]],
    *,
    default_locale: str,
    now: datetime,
) -> Layout:
    layout = Layout(
        id=uuid.uuid4(),
        name=name.strip(),
        versions=_checked(name, versions, default_locale),
        created_at=now,
        updated_at=now,
    )
    store.add_layout(layout)
    return layout


def replace_layout(
    store: Layouts,
    layout_id: uuid.UUID,
    name: str,
    versions: Mapping[str, Mapping[str, str]],
    *,
    default_locale: str,
    now: datetime,
) -> Layout:
    """The layout's name and versions become exactly these; a locale left out is removed.

    Runs already requested keep the layout they were requested with (their message carries
    it), so an edit never changes a run half-way through.
    """
    checked = _checked(name, versions, default_locale)
    found = get_layout(store, layout_id, for_update=True)
    store.update_layout(layout_id, name=name.strip(), versions=checked, updated_at=now)
    return replace(found, name=name.strip(), versions=checked, updated_at=now)


def get_layout(store: Layouts, layout_id: uuid.UUID, *, for_update: bool = False) -> Layout:
    found = store.layout(layout_id, for_update=for_update)
    if found is None:
        raise LayoutNotFound(f"No layout {layout_id}.")
    return found


def list_layouts(store: Layouts) -> list[Layout]:
    return store.layouts()


def default_layout(shop: Shop) -> dict[str, LayoutVersion]:
    """The brand settings, in every locale: the layout of a campaign that chose none."""
    version = default_version(shop)
    return dict.fromkeys(LOCALES, version)
