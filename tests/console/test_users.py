"""`/console/users`: add someone (their one-time password shown once), change roles, disable;
nobody gives a role they do not fully hold or manages someone who holds more; every change is
in the console audit log with the actor, the time and the client address."""

import itertools
import re
import uuid

import pytest
from sqlalchemy import select

from consent_service.adapters import orm
from consent_service.domain.staff.roles import ROLES, may_grant, may_manage
from tests.console.conftest import location, signed_in, text


def audit(app) -> list:
    with app.extensions["consent.engine"].connect() as connection:
        return list(connection.execute(select(orm.ConsoleAuditEntry).order_by("id")))


def roles_of(app, user_id) -> set[str]:
    with app.extensions["consent.engine"].connect() as connection:
        query = select(orm.StaffUser.roles, orm.StaffUser.disabled_at).where(
            orm.StaffUser.id == user_id
        )
        roles, disabled_at = connection.execute(query).one()
    return set(roles) | ({"<disabled>"} if disabled_at else set())


def test_adding_someone_shows_their_one_time_password_once_and_it_works_once(
    app, browser, person, clock
) -> None:
    admin_person = person("admin")
    admin = signed_in(browser(), admin_person)

    added = admin.post(
        "/console/users", {"email": "Nurlan@Shop.example", "name": "Nurlan", "role": ["support"]}
    )

    assert added.status_code == 200
    assert added.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="one-time-password">([^<]+)<', added.get_data(as_text=True))[1]
    listing = text(admin.get("/console/users"))
    assert "Nurlan" in listing
    assert password not in listing
    newcomer = browser()
    assert location(newcomer.sign_in("nurlan@shop.example", password)) == "/console/password"
    [entry] = [entry for entry in audit(app) if entry.action == "user.created"][-1:]
    assert entry.user_id == admin_person.account.id
    assert entry.at == clock.now
    assert entry.client_address == "127.0.0.1"
    assert entry.details == {"email": "Nurlan@shop.example", "roles": ["support"]}


def test_an_address_already_in_use_is_refused(browser, person) -> None:
    taken = person("support")
    admin = signed_in(browser(), person("admin"))

    refused = admin.post("/console/users", {"email": taken.email.upper(), "role": ["support"]})

    assert refused.status_code == 409
    assert "Someone already signs in with this address." in text(refused)


def test_roles_change_and_disabling_are_recorded_with_who_when_and_where(
    app, browser, person, clock
) -> None:
    admin_person, target = person("admin"), person("marketing")
    admin = signed_in(browser(), admin_person)
    admin.client.environ_base["REMOTE_ADDR"] = "203.0.113.9"

    changed = admin.post(f"/console/users/{target.account.id}/roles", {"role": ["sender"]})
    assert location(changed) == f"/console/users?done=roles#user-{target.account.id}"
    clock.advance(minutes=1)
    admin.post(f"/console/users/{target.account.id}/disable")

    roles, disabled = audit(app)[-2:]
    assert (roles.action, roles.details) == (
        "user.roles_changed",
        {"before": ["marketing"], "after": ["sender"]},
    )
    assert disabled.action == "user.disabled"
    for entry in (roles, disabled):
        assert entry.user_id == admin_person.account.id
        assert entry.target == f"user:{target.account.id}"
        assert entry.client_address == "203.0.113.9"
    assert disabled.at - roles.at == clock.now - roles.at
    assert "Disabled on" in text(admin.get("/console/users"))


def test_nobody_disables_themselves_or_the_last_administrator(app, browser, person) -> None:
    only = person("admin")
    admin = signed_in(browser(), only)

    refused = admin.post(f"/console/users/{only.account.id}/disable")
    assert refused.status_code == 409
    assert "You cannot disable yourself." in text(refused)
    last = admin.post(f"/console/users/{only.account.id}/roles", {"role": ["support"]})
    assert "Someone active must still be able to manage people." in text(last)
    assert roles_of(app, only.account.id) == {"admin"}


def test_an_unknown_person_is_a_404(browser, person) -> None:
    admin = signed_in(browser(), person("admin"))

    assert admin.post(f"/console/users/{uuid.uuid4()}/disable").status_code == 404


PAIRS = list(itertools.product(sorted(ROLES), sorted(ROLES)))


def another_role(role: str) -> str:
    return "support" if role == "marketing" else "marketing"


@pytest.mark.parametrize(("actor_role", "target_role"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_nobody_grants_or_manages_beyond_what_they_hold(
    app, browser, person, table_counts, actor_role, target_role
) -> None:
    """Every pair of roles, over HTTP: the actor tries to add someone with the target role, to
    give it to someone, to take it from someone who holds it, and to disable someone who holds
    it. What the domain's rules allow happens; a refusal changes nothing at all."""
    actor = signed_in(browser(), person(actor_role))
    held = ROLES[actor_role].scopes
    target, other = ROLES[target_role], ROLES[another_role(target_role)]
    recipient, holder, other_holder = person(other.name), person(target.name), person(target.name)
    before = table_counts()

    created = actor.post(
        "/console/users", {"email": f"new-{uuid.uuid4().hex[:8]}@shop.example", "role": target.name}
    )
    given = actor.post(f"/console/users/{recipient.account.id}/roles", {"role": target.name})
    taken = actor.post(f"/console/users/{holder.account.id}/roles", {"role": other.name})
    disabled = actor.post(f"/console/users/{other_holder.account.id}/disable")

    assert (created.status_code == 200) is may_grant(held, target)
    assert (roles_of(app, recipient.account.id) == {target.name}) is (
        may_manage(held, other.scopes) and may_grant(held, target)
    )
    assert (roles_of(app, holder.account.id) == {other.name}) is (
        may_manage(held, target.scopes) and may_grant(held, other)
    )
    assert ("<disabled>" in roles_of(app, other_holder.account.id)) is may_manage(
        held, target.scopes
    )
    if "users:admin" not in held:
        assert {created.status_code, given.status_code, taken.status_code} == {403}
        assert disabled.status_code == 403
        assert table_counts() == before
