"""The configured shop and authority as consent records name them (domain/consent_records.py).

The controller is the shop's legal identity, the one every email's footer carries
(`CONSENT_LEGAL_NAME`, `CONSENT_POSTAL_ADDRESS`, `CONSENT_CONTROLLER_CONTACT`); the authority
is the one the preference centre tells people they may complain to (`CONSENT_AUTHORITY_NAME`,
`CONSENT_AUTHORITY_URL`), named in English here since a record is read by machines and
auditors, not shown in a page's language.
"""

from consent_service.config import Settings
from consent_service.domain.consent_records import Party, RecordContext

DEFAULT_AUTHORITY = (
    "State Agency for Personal Data Protection under the Cabinet of Ministers of the "
    "Kyrgyz Republic"
)


def record_context(settings: Settings) -> RecordContext:
    shop, contacts, base = settings.shop, settings.contacts, settings.public_base_url
    authority_url = contacts.authority_url
    return RecordContext(
        controller=Party(
            iri=f"{base}/#controller",
            name=shop.legal_name or settings.branding.name or base,
            address=shop.postal_address or base,
            contacts=tuple(c for c in (shop.contact, base) if c),
        ),
        authority=Party(
            iri=authority_url,
            name=contacts.authority_name or DEFAULT_AUTHORITY,
            address=authority_url,
            contacts=(authority_url,),
        ),
        public_base_url=base,
        pending_expiry=settings.retention_pending,
        inactive_erasure=settings.retention_inactive,
    )
