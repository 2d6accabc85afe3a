"""The words people read about each purpose, as gettext message ids (English).

Kept apart from the rules in ``purposes.py`` (legal basis, channel, withdrawability) so that
wording is reviewed without touching the logic. The Kyrgyz, Russian and English texts live in
the catalogues under ``consent_service/translations/`` (the wording follows the shop's privacy
policy, whose Kyrgyz text is the original); ``consent_service.translations`` looks them up.
"""

from typing import Final


def N_(message: str) -> str:
    """Marks a message id for extraction without translating it (gettext's convention)."""
    return message


TITLES: Final[dict[str, str]] = {
    "personalization": N_("Personalised shopping"),
    "site_improvement": N_("Improving our website"),
    "customer_service": N_("Better customer service"),
    "transactions": N_("Orders, payment and delivery"),
    "promotions": N_("Contests and special promotions"),
    "surveys": N_("Customer surveys"),
    "newsletters": N_("Email newsletter"),
}

DESCRIPTIONS: Final[dict[str, str]] = {
    "personalization": N_(
        "We use your information to respond better to your individual needs, so that the "
        "shop shows you what suits you."
    ),
    "site_improvement": N_(
        "We use your information and feedback to improve our website, so that shopping "
        "with us gets easier."
    ),
    "customer_service": N_(
        "We use your information to answer your service requests and support needs "
        "faster and more effectively."
    ),
    "transactions": N_(
        "We use your information to process your order, take payment and deliver the "
        "products or services you asked for."
    ),
    "promotions": N_(
        "We email you about contests, special promotions and other features of our site, "
        "so that you can take part."
    ),
    "surveys": N_("We email you our surveys, so that you can tell us what you think of the shop."),
    "newsletters": N_(
        "We send you occasional emails with company news, updates and information about "
        "related products and services."
    ),
}
