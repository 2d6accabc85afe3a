"""The console site for the browser tests: one registry and one OpenID provider per run."""

from collections.abc import Iterator

import pytest

from tests.browser.console.site import ConsoleSite, running_console


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleSite]:
    with running_console(tmp_path_factory.mktemp("console")) as running:
        yield running
