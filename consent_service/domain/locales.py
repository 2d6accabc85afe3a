"""The languages the service speaks. Kyrgyz first: the shop's policy is written in it."""

from schemas.vocabulary import LOCALES

__all__ = ["LOCALES", "is_supported"]


def is_supported(locale: str) -> bool:
    return locale in LOCALES
