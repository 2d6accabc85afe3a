"""Single sign-on groups mapped to roles by CONSOLE_OIDC_ROLES (SPEC section 9): unknown groups
give nothing, several groups give every role they map to."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_service.domain.staff.groups import (
    InvalidRoleMapping,
    parse_group_roles,
    roles_for_groups,
)
from consent_service.domain.staff.roles import ROLES, scopes_of

group_names = st.text(
    st.characters(exclude_characters=",=", exclude_categories=("Cs",)), min_size=1
).filter(lambda name: name.strip() == name and name != "")
role_sets = st.frozensets(st.sampled_from(list(ROLES.values())), min_size=1)
mappings = st.dictionaries(group_names, role_sets)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=10,
)

MAPPING = parse_group_roles("mkt=marketing, dpo=privacy,ops=sender,ops=support,")


def test_the_spec_example_maps_each_group_to_its_role() -> None:
    assert dict(parse_group_roles("mkt=marketing,dpo=privacy")) == {
        "mkt": {ROLES["marketing"]},
        "dpo": {ROLES["privacy"]},
    }


def test_a_group_named_twice_gives_both_roles() -> None:
    assert MAPPING["ops"] == {ROLES["sender"], ROLES["support"]}


def test_an_empty_mapping_gives_nobody_a_role() -> None:
    assert dict(parse_group_roles("")) == {}
    assert roles_for_groups(parse_group_roles(" , "), ["mkt"]) == frozenset()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("mkt", "'mkt' is not group=role"),
        ("=marketing", "'=marketing' is not group=role"),
        ("mkt=", "'mkt=' is not group=role"),
        ("mkt=market=ing", "'mkt=market=ing' is not group=role"),
        ("mkt=superuser", "Unknown role 'superuser'"),
    ],
)
def test_a_malformed_mapping_is_refused_naming_the_entry(text: str, named: str) -> None:
    with pytest.raises(InvalidRoleMapping, match=named):
        parse_group_roles(f"dpo=privacy,{text}")


@given(mappings)
def test_a_written_mapping_reads_back_as_written(mapping: dict) -> None:
    text = ",".join(f"{group}={role.name}" for group, roles in mapping.items() for role in roles)
    assert dict(parse_group_roles(text)) == mapping


@given(mappings, st.lists(group_names))
def test_groups_the_mapping_does_not_name_give_nothing(mapping: dict, claim: list[str]) -> None:
    mapped = parse_group_roles(
        ",".join(f"{group}={role.name}" for group, roles in mapping.items() for role in roles)
    )
    known = [group for group in claim if group in mapping]
    assert roles_for_groups(mapped, claim) == roles_for_groups(mapped, known)
    assert roles_for_groups(mapped, [g for g in claim if g not in mapping]) == frozenset()


def test_a_person_in_several_groups_may_do_what_each_role_allows() -> None:
    roles = roles_for_groups(MAPPING, ["mkt", "dpo", "warehouse"])
    assert roles == {ROLES["marketing"], ROLES["privacy"]}
    assert scopes_of(roles) == ROLES["marketing"].scopes | ROLES["privacy"].scopes


def test_group_names_are_compared_exactly() -> None:
    assert roles_for_groups(MAPPING, ["MKT", " mkt", "mkt "]) == frozenset()


def test_a_single_group_as_a_string_counts() -> None:
    assert roles_for_groups(MAPPING, "dpo") == {ROLES["privacy"]}


@given(json_values)
def test_any_shape_of_groups_claim_gives_roles_only_from_mapped_names(claim: object) -> None:
    roles = roles_for_groups(MAPPING, claim)
    if not isinstance(claim, list | str):
        assert roles == frozenset()
    assert roles <= frozenset().union(*MAPPING.values())
