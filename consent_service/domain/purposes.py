"""The purpose catalogue of the shop's privacy policy.

Four purposes rest on consent and can be granted or withdrawn; three rest on contract or
legitimate interest and are listed so that people can see them, but no consent call may touch
them (asking for consent where the law needs none would mislead people into thinking they
could refuse).
"""

from dataclasses import dataclass
from enum import StrEnum

from consent_service.domain.errors import NotWithdrawable, UnknownPurpose
from consent_service.domain.purpose_texts import DESCRIPTIONS, TITLES


class LegalBasis(StrEnum):
    CONSENT = "consent"
    LEGITIMATE_INTEREST = "legitimate_interest"
    CONTRACT = "contract"


class Channel(StrEnum):
    EMAIL = "email"
    WEB = "web"
    SUPPORT = "support"
    ORDER = "order"


@dataclass(frozen=True)
class Purpose:
    id: str
    legal_basis: LegalBasis
    channel: Channel
    title: str
    """English, and the gettext message id of the title in every language."""
    description: str

    @property
    def is_consent_based(self) -> bool:
        return self.legal_basis is LegalBasis.CONSENT

    @property
    def is_email(self) -> bool:
        return self.channel is Channel.EMAIL


def _purpose(purpose_id: str, basis: LegalBasis, channel: Channel) -> Purpose:
    return Purpose(purpose_id, basis, channel, TITLES[purpose_id], DESCRIPTIONS[purpose_id])


CATALOGUE: dict[str, Purpose] = {
    p.id: p
    for p in (
        _purpose("personalization", LegalBasis.CONSENT, Channel.WEB),
        _purpose("promotions", LegalBasis.CONSENT, Channel.EMAIL),
        _purpose("surveys", LegalBasis.CONSENT, Channel.EMAIL),
        _purpose("newsletters", LegalBasis.CONSENT, Channel.EMAIL),
        _purpose("site_improvement", LegalBasis.LEGITIMATE_INTEREST, Channel.WEB),
        _purpose("customer_service", LegalBasis.LEGITIMATE_INTEREST, Channel.SUPPORT),
        _purpose("transactions", LegalBasis.CONTRACT, Channel.ORDER),
    )
}

CONSENT_PURPOSES = frozenset(p.id for p in CATALOGUE.values() if p.is_consent_based)
EMAIL_PURPOSES = frozenset(p.id for p in CATALOGUE.values() if p.is_email)


def consent_purpose(purpose_id: str) -> Purpose:
    """The purpose if consent can be recorded for it; otherwise the reason it cannot."""
    found = CATALOGUE.get(purpose_id)
    if found is None:
        raise UnknownPurpose(f"Unknown purpose '{purpose_id}'.")
    if not found.is_consent_based:
        raise NotWithdrawable(
            f"Purpose '{purpose_id}' rests on {found.legal_basis.value.replace('_', ' ')}, "
            "not on consent: it cannot be granted or withdrawn."
        )
    return found
