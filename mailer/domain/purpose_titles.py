"""The titles of the purposes a confirmation email can name, as gettext message ids (English).

The confirmation email names the purposes a person is asked to confirm: the email purposes,
and personalization when a public sign-up form asked for it (docs/decisions/0016). The words
must be the registry's (consent_service/domain/purpose_texts.py), but the mailer does not
import the registry, so the ids are repeated here and a test compares the translations of
both parts in every locale. `mailer.translations` looks them up.
"""

from typing import Final


def N_(message: str) -> str:
    """Marks a message id for extraction without translating it; extractors look for `N_`."""
    return message


TITLES: Final[dict[str, str]] = {
    "personalization": N_("Personalised shopping"),
    "promotions": N_("Contests and special promotions"),
    "surveys": N_("Customer surveys"),
    "newsletters": N_("Email newsletter"),
}
