"""SendGrid's side of the signed event webhook, for tests: a real ECDSA P-256 key pair.

SendGrid signs the `X-Twilio-Email-Event-Webhook-Timestamp` header's value followed by the
raw body with ECDSA over SHA-256, sends the signature base64 (DER) in
`X-Twilio-Email-Event-Webhook-Signature`, and shows its verification key as base64 DER
SubjectPublicKeyInfo (what `SENDGRID_WEBHOOK_PUBLIC_KEY` holds).
"""

import base64
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

PATH = "/v1/webhooks/sendgrid"


def body_of(events: Any) -> bytes:
    return json.dumps(events, separators=(",", ":")).encode()


class SendGrid:
    """Makes events as SendGrid posts them and signs deliveries as SendGrid does."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.sent = 0

    @property
    def public_key(self) -> str:
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()

    def headers(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
        }

    def event(self, kind: str, email: str, **fields: Any) -> dict[str, Any]:
        """One event; custom args (`campaign_id`...) are top-level fields, as SendGrid echoes
        them."""
        self.sent += 1
        return {
            "email": email,
            "timestamp": int(time.time()),
            "event": kind,
            "sg_event_id": f"sg-{self.sent}-{uuid.uuid4().hex[:8]}",
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
            **fields,
        }

    def post(self, base_url: str, events: Any) -> tuple[int, dict[str, Any]]:
        """Deliver `events` to a running registry over HTTP; (status, JSON answer)."""
        body = body_of(events)
        headers = self.headers(body) | {"Content-Type": "application/json"}
        request = urllib.request.Request(base_url + PATH, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
