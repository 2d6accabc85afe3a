"""Staff roles (SPEC section 9): the table's bundles, and nobody grants more than they hold."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.staff.roles import (
    ROLES,
    SCOPES,
    USERS_ADMIN,
    Role,
    UnknownRole,
    may_grant,
    may_manage,
    role_named,
    scopes_of,
)

scope_sets = st.frozensets(st.sampled_from(sorted(SCOPES)))
table_roles = st.sampled_from(list(ROLES.values()))
any_role = st.one_of(table_roles, st.builds(Role, st.just("custom"), scope_sets))
PERSONS_DATA = ("subjects:", "requests:", "reports:", "suppressions:", "imports:")


def scopes(name: str) -> frozenset[str]:
    return ROLES[name].scopes


def test_each_role_adds_to_the_one_it_builds_on() -> None:
    assert scopes("marketing") < scopes("sender")
    assert scopes("sender") - scopes("marketing") == {"campaigns:send"}
    assert scopes("support") < scopes("privacy")
    assert all(role.scopes <= scopes("admin") for role in ROLES.values())
    assert scopes("admin") == set(SCOPES)


@pytest.mark.parametrize("name", ["marketing", "sender"])
def test_the_marketing_desk_sees_no_person(name: str) -> None:
    assert [scope for scope in scopes(name) if scope.startswith(PERSONS_DATA)] == []


def test_only_senders_and_admins_start_runs() -> None:
    assert {role.name for role in ROLES.values() if "campaigns:send" in role.scopes} == {
        "sender",
        "admin",
    }


def test_support_rectifies_but_only_privacy_erases_and_exports() -> None:
    assert {"subjects:read", "subjects:rectify", "requests:write"} <= scopes("support")
    assert {"subjects:erase", "subjects:export"}.isdisjoint(scopes("support"))
    assert {"subjects:erase", "subjects:export", "audit:read"} <= scopes("privacy")


@pytest.mark.parametrize("granter", list(ROLES))
@pytest.mark.parametrize("granted", list(ROLES))
def test_only_an_admin_gives_roles_and_an_admin_may_give_any(granter: str, granted: str) -> None:
    assert may_grant(scopes(granter), ROLES[granted]) is (granter == "admin")


@given(scope_sets, any_role)
def test_nobody_grants_a_role_with_a_scope_they_lack(granter: frozenset[str], role: Role) -> None:
    if may_grant(granter, role):
        assert role.scopes <= granter
        assert USERS_ADMIN in granter


@given(scope_sets, any_role)
def test_a_user_admin_may_grant_whatever_they_hold(granter: frozenset[str], role: Role) -> None:
    holder = granter | role.scopes | {USERS_ADMIN}
    assert may_grant(holder, role)


@given(scope_sets, st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), any_role)))
def test_no_chain_of_grants_reaches_a_scope_the_first_granter_lacked(
    first: frozenset[str], grants: list[tuple[int, int, Role]]
) -> None:
    people = [first]
    for granter, grantee, role in grants:
        if may_grant(people[granter % len(people)], role):
            if grantee >= len(people):
                people.append(role.scopes)
            else:
                people[grantee] |= role.scopes
    assert all(person <= first for person in people)


@given(scope_sets, scope_sets)
def test_nobody_manages_a_person_holding_more_than_they_do(
    manager: frozenset[str], person: frozenset[str]
) -> None:
    assert may_manage(manager, person) is (USERS_ADMIN in manager and person <= manager)


@given(st.lists(table_roles))
def test_several_roles_give_the_union_of_their_scopes(roles: list[Role]) -> None:
    held = scopes_of(roles)
    assert all(role.scopes <= held for role in roles)
    assert all(any(scope in role.scopes for role in roles) for scope in held)


def test_an_unknown_role_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownRole, match="marketing, sender, support, privacy, admin"):
        role_named("superuser")


def test_a_role_with_an_unknown_scope_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="campaigns:delete"):
        Role("odd", frozenset({"campaigns:read", "campaigns:delete"}))
