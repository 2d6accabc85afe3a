"""The languages the service speaks. Kyrgyz first: the shop's policy is written in it."""

from plumbing.vocabulary import LOCALES

__all__ = ["LOCALES", "is_supported", "negotiate"]


def is_supported(locale: str | None) -> bool:
    return locale in LOCALES


def negotiate(*preferences: str | None, default: str) -> str:
    """The first supported language among the preferences, in the order given.

    Pages pass them strongest first (SPEC section 5): the `?lang=` of this request, the
    language cookie of an earlier switch, the person's stored locale on a page reached by a
    token, the browser's Accept-Language, and then the service's `DEFAULT_LOCALE`.
    """
    for preference in preferences:
        if preference in LOCALES:
            return preference
    return default
