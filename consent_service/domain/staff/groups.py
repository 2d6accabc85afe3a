"""Single sign-on: the identity provider's groups claim mapped to roles by CONSOLE_OIDC_ROLES.

`CONSOLE_OIDC_ROLES` reads `group=role,group=role`, e.g. `mkt=marketing,dpo=privacy`; a group
may be named more than once to give several roles. Group names are compared exactly, case
included, as identity providers send them; a group name cannot contain `,` or `=` (have the
provider send short names rather than LDAP distinguished names).

A person gets every role any of their groups maps to, and may do what the union of those roles'
scopes allows: groups describe jobs a person does, and someone in both `mkt` and `dpo` does
both. Groups the mapping does not name give nothing; a person whose groups give no role has no
access at all (decision record 0028).
"""

from collections.abc import Mapping
from types import MappingProxyType

from consent_service.domain.staff.roles import Role, UnknownRole, role_named

GroupRoles = Mapping[str, frozenset[Role]]


class InvalidRoleMapping(ValueError):
    pass


def parse_group_roles(text: str) -> GroupRoles:
    """Read CONSOLE_OIDC_ROLES; empty means that single sign-on gives nobody a role."""
    mapping: dict[str, frozenset[Role]] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        group, equals, name = (piece.strip() for piece in entry.partition("="))
        if not equals or not group or not name or "=" in name:
            raise InvalidRoleMapping(
                f"CONSOLE_OIDC_ROLES: '{entry}' is not group=role (e.g. mkt=marketing)."
            )
        try:
            role = role_named(name)
        except UnknownRole as error:
            raise InvalidRoleMapping(f"CONSOLE_OIDC_ROLES: {error}") from None
        mapping[group] = mapping.get(group, frozenset()) | {role}
    return MappingProxyType(mapping)


def roles_for_groups(mapping: GroupRoles, groups_claim: object) -> frozenset[Role]:
    """The roles of a person whose ID token carried `groups_claim`.

    The claim is normally a list of strings; a single string counts as one group, and anything
    else (missing, a number, an object, non-string items) gives nothing rather than an error:
    the token is the provider's, its shape is not ours to trust.
    """
    if isinstance(groups_claim, str):
        groups: list[object] = [groups_claim]
    elif isinstance(groups_claim, list):
        groups = groups_claim
    else:
        return frozenset()
    found: frozenset[Role] = frozenset()
    for group in groups:
        if isinstance(group, str):
            found |= mapping.get(group, frozenset())
    return found
