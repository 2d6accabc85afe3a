"""Global Privacy Control (W3C GPC): reading the `Sec-GPC` signal, and what the shop states.

GPC asks a site not to sell or share the person's data with third parties and not to use it
for cross-party ad targeting. This shop sells and shares nothing, and none of its purposes is
a sale or a share (decision 0039), so the signal changes no processing and, above all, never
withdraws an email purpose the person chose themselves. It is kept as evidence of the
change made in the same request, so the person and an auditor can see it was received.
"""

from collections.abc import Iterable
from datetime import date
from typing import Final

HEADER: Final = "Sec-GPC"
SIGNAL: Final = "1"
"""The only value the header has; a server MUST ignore any other (GPC, section 3.3)."""

STATEMENT_DATE: Final = date(2026, 12, 7)
"""`lastUpdate` of `/.well-known/gpc.json`: the day the shop's treatment of the signal was
decided (decision 0039). It changes with that decision, not with a deployment."""

_OWS: Final = " \t"


def signalled(field_values: Iterable[str]) -> bool:
    """Whether a request carried the GPC signal.

    GPC section 3.3: only a value of exactly "1" counts, and with several `Sec-GPC` fields one
    such value is enough. Servers join repeated fields with commas (RFC 9110 section 5.3)
    before the application sees them, so each comma-separated member counts as one field;
    the optional whitespace the join adds is not part of a value. "1.0", "true", "yes" or
    "11" are not "1".
    """
    return any(
        member.strip(_OWS) == SIGNAL for value in field_values for member in value.split(",")
    )


def support_statement() -> dict[str, object]:
    """The GPC support resource (GPC section 4): the shop abides by the signal."""
    return {"gpc": True, "lastUpdate": STATEMENT_DATE.isoformat()}
