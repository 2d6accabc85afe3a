"""SendGrid's signed event webhook: an ECDSA P-256 / SHA-256 signature over timestamp + body.

SendGrid signs the bytes of the `X-Twilio-Email-Event-Webhook-Timestamp` header's value
followed by the raw request body, and sends the signature base64-encoded (DER, as ECDSA
signatures usually are) in `X-Twilio-Email-Event-Webhook-Signature`. The verification key
is shown in SendGrid's settings as base64 DER SubjectPublicKeyInfo. The body is verified as
received, never re-serialised: any change of a byte must fail.
"""

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key


class InvalidPublicKey(ValueError):
    """The configured text is not a base64 DER P-256 public key."""


def load_public_key(text: str) -> ec.EllipticCurvePublicKey:
    """The key SendGrid shows (base64 of a DER SubjectPublicKeyInfo); PEM armour is allowed."""
    body = "".join(
        line for line in text.strip().splitlines() if not line.startswith("-----")
    ).replace(" ", "")
    try:
        key = load_der_public_key(base64.b64decode(body, validate=True))
    except (binascii.Error, ValueError):
        raise InvalidPublicKey("not a base64 DER SubjectPublicKeyInfo") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InvalidPublicKey("not an elliptic-curve P-256 key")
    return key


def verify(public_key: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether `signature` is the key's signature of `timestamp` followed by `body`."""
    key = load_public_key(public_key)
    try:
        decoded = base64.b64decode(signature.strip(), validate=True)
        key.verify(decoded, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True
