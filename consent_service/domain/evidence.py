"""Evidence of how a consent was given, kept no more precise than proof needs."""

import ipaddress

LINK = "link"
"""The digest of the email link a change was made through (`plumbing.tokens.token_digest`):
which link withdrew a purpose is what lets only that link undo it (decision 0017)."""
GPC = "gpc"
"""Present ("1") when the request carried the Global Privacy Control signal (decision 0039)."""
EVIDENCE_FIELDS = ("form_id", "ip", "user_agent", LINK, GPC)


def truncate_ip(raw: str) -> str:
    """Keep the network, drop the host: /24 for IPv4, /48 for IPv6.

    Enough to show where a sign-up came from, too coarse to single out a household.
    """
    address = ipaddress.ip_address(raw.strip())
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def clean_evidence(evidence: dict[str, str] | None) -> dict[str, str] | None:
    if not evidence:
        return None
    cleaned = {k: v for k, v in evidence.items() if k in EVIDENCE_FIELDS and v}
    if "ip" in cleaned:
        cleaned["ip"] = truncate_ip(cleaned["ip"])
    return cleaned or None
