"""The languages the service speaks. Kyrgyz first: the shop's policy is written in it."""

from typing import Final

LOCALES: Final = ("ky", "ru", "en")


def is_supported(locale: str) -> bool:
    return locale in LOCALES
