"""What an email layout holds, as both parts read it: per locale, the header's shop name and
logo, and the footer's legal name, postal address and why the person gets the email.

The registry stores layouts and checks them (consent_service/domain/layouts.py); a run's
message carries its campaign's layout and the mailer draws it around the campaign's content
(mailer/services/compose.py). A layout is data, never a template: the mailer's own templates
place these values, escaped, and always add both links, so no layout can drop the
unsubscribe link or the shop's legal identity (docs/decisions/0032).

The default layout, for a campaign that chose none and for the mailer's own emails, is the
brand settings (`plumbing/shop.py`), the same in every locale.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from plumbing.shop import Shop
from plumbing.vocabulary import LOCALES

FIELDS = ("shop_name", "logo_url", "legal_name", "postal_address", "why")
REQUIRED = ("shop_name", "legal_name", "postal_address")
"""Without these an email would not say who writes (decision 0021) and who answers for it."""


@dataclass(frozen=True)
class LayoutVersion:
    """One locale's header and footer values; `why` empty means the mailer's own sentence."""

    shop_name: str
    legal_name: str
    postal_address: str
    logo_url: str = ""
    why: str = ""

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: Mapping[str, str]) -> "LayoutVersion":
        return cls(**{name: raw.get(name, "") for name in FIELDS})


def default_version(shop: Shop) -> LayoutVersion:
    """The brand settings as a layout: what every email shows when no layout was chosen."""
    return LayoutVersion(
        shop_name=shop.name,
        legal_name=shop.legal_name,
        postal_address=shop.postal_address,
        logo_url=shop.logo_url,
    )


def version_for(
    versions: Mapping[str, LayoutVersion], locale: str, default_locale: str
) -> LayoutVersion:
    """The locale's version, else the default locale's, else the first there is."""
    if locale in versions:
        return versions[locale]
    if default_locale in versions:
        return versions[default_locale]
    return next(iter(versions.values()))


def layout_versions(
    layout: Mapping[str, Mapping[str, str]] | None, shop: Shop
) -> dict[str, LayoutVersion]:
    """A layout per locale as a run's message (or the registry) carries it; None, the default
    layout (the brand settings) in every locale."""
    if not layout:
        return dict.fromkeys(LOCALES, default_version(shop))
    return {locale: LayoutVersion.from_json(values) for locale, values in layout.items()}
