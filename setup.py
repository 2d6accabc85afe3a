"""Compiles the gettext catalogues whenever the package is built or installed.

`pip install -e .` and a wheel build both run `build_py`; compiling there means a fresh
install has its `.mo` files without a separate step (SPEC section 2), and the compiled files
never enter version control. Fuzzy entries are left out, as gettext tools do.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
CATALOGUE_PACKAGES = ("consent_service", "mailer", "plumbing")


def compile_catalogues() -> None:
    for package in CATALOGUE_PACKAGES:
        for source in sorted((ROOT / package / "translations").glob("*/LC_MESSAGES/*.po")):
            with source.open("rb") as handle:
                catalogue = read_po(handle, locale=source.parent.parent.name)
            with source.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalogue)


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        compile_catalogues()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
