"""Sign-up forms through the service: a submission only asks, never decides."""

import pytest

from consent_service.domain.errors import DomainError
from consent_service.domain.forms import FormExists, FormNotFound, SignupForm
from consent_service.services.consents import confirm_email
from consent_service.services.forms import (
    Submission,
    all_forms,
    create_form,
    form_named,
    submit,
)
from tests.unit.services.conftest import NOW, SECRET
from tests.unit.services.factories import context, record, statuses, unique_email

FORM = SignupForm(
    form_id="newsletter",
    purposes=("newsletters", "promotions"),
    source="newsletter_form",
    allowed_origins=("https://shop.example.kg",),
    success_url=None,
    default_locale="ru",
    created_by="ck-admin",
    created_at=NOW,
)


def send(registry, links, submission: Submission) -> None:
    submit(registry, FORM, submission, now=NOW, links=links, suppression_keys=(SECRET,))


def test_a_form_id_is_taken_once(registry) -> None:
    assert create_form(registry, FORM) == FORM
    with pytest.raises(FormExists):
        create_form(registry, FORM)
    assert all_forms(registry) == [FORM]


@pytest.mark.parametrize("form_id", ["nope", "../etc/passwd", "x" * 500])
def test_a_form_that_is_not_there_is_not_found(registry, form_id) -> None:
    create_form(registry, FORM)
    with pytest.raises(FormNotFound):
        form_named(registry, form_id)


def test_a_submission_asks_for_what_it_ticks_and_waits_for_the_link(
    registry, tables, links
) -> None:
    email = unique_email()
    send(registry, links, Submission(email, ["newsletters", "surveys"], locale="ky"))
    subject = registry.subject_by_email_key(email)
    assert statuses(registry, subject.id) == {"newsletters": "pending"}
    assert (subject.locale, registry.history(subject.id)[0].record.actor) == (
        "ky",
        "form:newsletter",
    )
    assert registry.history(subject.id)[0].evidence == {"form_id": "newsletter"}
    [request] = [m for m in tables.messages() if m["schema"] == "optin.confirmation_requested/1"]
    assert request["purposes"] == ["newsletters"]


def test_a_submission_for_a_proven_address_still_waits_and_never_withdraws(registry, links) -> None:
    email = unique_email()
    view = record(registry, links, {"promotions": True, "surveys": True}, email=email)
    confirm_email(registry, view.subject_id, context(source="double_opt_in"))
    send(registry, links, Submission(email, ["newsletters"]))
    assert statuses(registry, view.subject_id) == {
        "promotions": "granted",
        "surveys": "granted",
        "newsletters": "pending",
    }


def test_a_filled_honeypot_records_nothing(registry, tables, links) -> None:
    send(registry, links, Submission(unique_email(), ["newsletters"], honeypot="http://spam"))
    assert (tables.subjects, tables.outbox) == ({}, [])


@pytest.mark.parametrize(
    ("submission", "field"),
    [
        (Submission("aigul@example.kg", ["surveys"]), "purposes"),
        (Submission("not an address", ["newsletters"]), "email"),
    ],
)
def test_a_submission_a_person_must_fix_records_nothing(
    registry, tables, links, submission, field
) -> None:
    with pytest.raises(DomainError) as refused:
        send(registry, links, submission)
    assert refused.value.field == field
    assert tables.subjects == {}


def test_an_unsupported_locale_falls_back_to_the_forms(registry, links) -> None:
    email = unique_email()
    send(registry, links, Submission(email, ["promotions"], locale="fr"))
    assert registry.subject_by_email_key(email).locale == "ru"
