"""Staff scopes, the roles that bundle them, and the rule that nobody grants more than they hold.

A console scope names one kind of work. Where the API has a scope of the same name it means the
same thing (`campaigns:read`, `campaigns:write`, `campaigns:send`, `subjects:read`); the rest are
the console's own, finer than the API's because a role is one person's job while an API key is
one trusted system: the API's `subjects:write` rectifies, erases and transfers, and its
`subjects:read` also exports, where the console splits those between support and privacy.

A person holds one or more roles and may do what the union of their scopes allows (a person
signed in through single sign-on gets every role their groups map to: decision record 0028).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

SCOPES: Mapping[str, str] = MappingProxyType(
    {
        "campaigns:read": "see campaigns, their runs and counts",
        "campaigns:write": "create and edit campaigns, preview them as a sample recipient, "
        "send a test to staff, pause and cancel runs",
        "campaigns:send": "start, schedule, resume and retry runs",
        "layouts:write": "create and edit email layouts",
        "segments:write": "create and edit consent-safe segments and see their counts",
        "statistics:read": "see the dashboard's counts and the runs' statistics, never a person",
        "subjects:read": "find a person; see their consents, ledger, emails and requests",
        "subjects:rectify": "correct a person's address, locale, name or external id",
        "consents:withdraw": "withdraw a purpose for a person who asked for it (by phone, by "
        "letter), with a reason",
        "subjects:export": "export a person's data or transfer it to a recipient",
        "subjects:erase": "erase a person",
        "requests:write": "record a data-subject request",
        "requests:resolve": "see every data-subject request, decide it and record the outcome",
        "reports:read": "download consent reports over everyone",
        "suppressions:write": "look up suppressed addresses and lift a bounce suppression",
        "audit:read": "see and run the ledger audit",
        "imports:write": "import people and their consents from a CSV file",
        "users:admin": "create and disable staff, give roles, read the console audit log",
        "keys:admin": "create, list and revoke API keys",
        "forms:admin": "manage sign-up forms",
        "policies:admin": "publish privacy policy versions",
    }
)
"""Every scope a member of staff may hold, with what it allows."""

USERS_ADMIN = "users:admin"
"""The scope without which nobody gives anyone a role."""


@dataclass(frozen=True)
class Role:
    name: str
    scopes: frozenset[str]

    def __post_init__(self) -> None:
        unknown = self.scopes - SCOPES.keys()
        if unknown:
            raise ValueError(f"Unknown scope(s) in role {self.name}: {', '.join(sorted(unknown))}")


_MARKETING = frozenset(
    {"campaigns:read", "campaigns:write", "layouts:write", "segments:write", "statistics:read"}
)
_SUPPORT = frozenset({"subjects:read", "subjects:rectify", "consents:withdraw", "requests:write"})
_PRIVACY = _SUPPORT | {
    "subjects:export",
    "subjects:erase",
    "requests:resolve",
    "reports:read",
    "suppressions:write",
    "audit:read",
}

ROLES: Mapping[str, Role] = MappingProxyType(
    {
        role.name: role
        for role in (
            Role("marketing", _MARKETING),
            Role("sender", _MARKETING | {"campaigns:send"}),
            Role("support", _SUPPORT),
            Role("privacy", _PRIVACY),
            Role("admin", frozenset(SCOPES)),
        )
    }
)
"""SPEC section 9's table: marketing sees no person beyond counts; sender also starts runs;
support finds and rectifies people; privacy also erases, exports and audits; admin does all."""


class UnknownRole(ValueError):
    pass


def role_named(name: str) -> Role:
    try:
        return ROLES[name]
    except KeyError:
        raise UnknownRole(f"Unknown role '{name}'. Known: {', '.join(ROLES)}.") from None


def scopes_of(roles: Iterable[Role]) -> frozenset[str]:
    """What a person holding `roles` may do: the union of their scopes."""
    return frozenset().union(*(role.scopes for role in roles))


def may_grant(granter: frozenset[str], role: Role) -> bool:
    """Whether a person holding the scopes `granter` may give `role` to someone.

    They need `users:admin`, and every scope of the role themselves: nobody hands out more
    than they hold, so no chain of grants ever reaches a scope its first granter lacked.
    (listmonk lets anyone who manages users create super admins, its issue #2752.)
    """
    return USERS_ADMIN in granter and role.scopes <= granter


def may_manage(manager: frozenset[str], person: frozenset[str]) -> bool:
    """Whether a person holding `manager` may change the roles of, or disable, a person holding
    `person`: only someone who holds everything that person holds, so nobody can lock out or
    demote someone with more power than themselves."""
    return USERS_ADMIN in manager and person <= manager
