"""`GET /v1/subjects/{id}/consent-record`: ISO/IEC TS 27560 consent records as JSON-LD.

Documents the DPV profile `dpv-27560:record` as the registry writes it
(consent_service/domain/consent_records.py; the field mapping is decision 0037). Keys are
compact IRIs (`dpv:hasDataSubject`), so each field is named here with its `data_key`.
"""

from marshmallow import Schema, fields

IRI = {"type": "object", "properties": {"@id": {"type": "string"}}, "required": ["@id"]}
TYPED_VALUE = {
    "type": "object",
    "properties": {"@value": {"type": "string"}, "@type": {"type": "string"}},
    "required": ["@value", "@type"],
}


def _iri(key: str, description: str) -> fields.Dict:
    return fields.Dict(data_key=key, metadata={"description": description} | IRI)


def _value(key: str, description: str) -> fields.Dict:
    return fields.Dict(data_key=key, metadata={"description": description} | TYPED_VALUE)


class PartySchema(Schema):
    """A party of the record: the controller or the authority."""

    id = fields.String(data_key="@id")
    type = fields.List(fields.String(), data_key="@type")
    name = fields.String(data_key="dpv:hasName")
    address = fields.String(data_key="dpv:hasAddress")
    contact = fields.List(fields.String(), data_key="dpv:hasContact")


class ConsentEventSchema(Schema):
    """One ledger entry of the purpose as a 27560 event."""

    id = fields.String(data_key="@id")
    time = _value("dct:date", "27560 event time (xsd:dateTime, UTC)")
    valid = fields.Raw(
        data_key="dct:valid",
        metadata={"description": "27560 validity duration: `until withdrawn`, or xsd:duration"},
    )
    entity = fields.Dict(
        data_key="dpv:isImplementedByEntity",
        metadata={"description": "27560 entity id: the person, the shop or its email service"},
    )
    event_type = _iri("dpv:hasLegalBasis", "27560 event type: dpv:ExplicitlyExpressedConsent")
    state = _iri("dpv:hasConsentStatus", "27560 event state: a DPV consent status")
    method = fields.String(data_key="dpv:hasIndicationMethod")
    notice = _iri("dpv:hasNotice", "The policy version the event was recorded under")
    source = fields.String(data_key="ledger:source")
    sequence = fields.Integer(data_key="ledger:sequence")
    entry_hash = fields.String(
        data_key="ledger:entryHash",
        metadata={"description": "The ledger entry's chain hash, as GET .../history shows it"},
    )


class ConsentRecordSchema(Schema):
    """One purpose's consent record (profile https://w3id.org/dpv/schema/dpv-27560#record)."""

    context = fields.Dict(data_key="@context", metadata={"description": "Prefixes, inline"})
    id = fields.String(data_key="@id", metadata={"description": "urn:uuid: of the record id"})
    type = fields.String(data_key="@type", metadata={"enum": ["dpv:ConsentRecord"]})
    conforms_to = fields.Dict(data_key="dct:conformsTo")
    identifier = fields.UUID(
        data_key="dct:identifier", metadata={"description": "27560 record id, stable"}
    )
    created = fields.Dict(data_key="dct:created")
    modified = fields.Dict(data_key="dct:modified")
    language = fields.String(data_key="dct:language")
    subject = fields.Dict(
        data_key="dpv:hasDataSubject",
        metadata={"description": "27560 pii principal id: the subject id, never the address"},
    )
    notices = fields.List(fields.Dict(), data_key="dpv:hasNotice")
    purpose = fields.Dict(data_key="dpv:hasPurpose")
    legal_basis = fields.Dict(data_key="dpv:hasLegalBasis")
    personal_data = fields.List(fields.Dict(), data_key="dpv:hasPersonalData")
    controller = fields.Nested(PartySchema, data_key="dpv:hasDataController")
    collection = fields.List(fields.Dict(), data_key="dpv:hasDataSource")
    retention = fields.Dict(data_key="dpv:hasStorageCondition")
    jurisdiction = fields.Dict(data_key="dpv:hasJurisdiction")
    recipients = fields.List(fields.Dict(), data_key="dpv:hasRecipient")
    withdrawal = fields.List(fields.Dict(), data_key="dpv:hasConsentControl")
    authority = fields.Nested(PartySchema, data_key="dpv:hasAuthority")
    status = fields.Dict(data_key="dpv:hasConsentStatus")
    events = fields.List(fields.Nested(ConsentEventSchema), data_key="dct:hasPart")
    chain_version = fields.String(data_key="ledger:chainVersion")
    entry_hash = fields.String(
        data_key="ledger:entryHash",
        metadata={"description": "The chain hash of the purpose's latest ledger entry"},
    )


class ConsentRecordsSchema(Schema):
    """The person's records as one JSON-LD document: a graph of one record per purpose."""

    context = fields.Dict(data_key="@context")
    graph = fields.List(fields.Nested(ConsentRecordSchema), data_key="@graph")
