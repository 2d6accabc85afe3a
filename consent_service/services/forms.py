"""Sign-up forms: defining them (admin) and taking a public submission.

A submission can come from anyone with any address, so it is recorded as a request, not a
decision: every purpose it names becomes `pending` until the confirmation link in the email
is used, whether or not the address was confirmed before and whatever
`CONSENT_DOUBLE_OPT_IN` says (decision 0016). It never withdraws, and what it answers does
not depend on whether the address is known: the caller shows the same thank-you either way.
"""

from dataclasses import dataclass
from datetime import datetime

from consent_service.domain.emails import normalize_email
from consent_service.domain.errors import DomainError
from consent_service.domain.forms import FormExists, FormNotFound, SignupForm
from consent_service.domain.locales import LOCALES
from consent_service.domain.purposes import CONSENT_PURPOSES
from consent_service.services.changes import ConfirmLinks
from consent_service.services.consents import Decisions, record_decisions
from consent_service.services.ports import Repository
from plumbing.vocabulary import FORM_ID


def create_form(registry: Repository, form: SignupForm) -> SignupForm:
    """Store a new form definition; FormExists (409) when the id is taken."""
    if registry.forms.form(form.form_id) is not None:
        raise FormExists(f"A form '{form.form_id}' already exists.")
    registry.forms.add_form(form)
    return form


def form_named(registry: Repository, form_id: str) -> SignupForm:
    """The form, or FormNotFound; an id no form could have (it comes from a URL, and may
    hold anything) names no form and is never looked up."""
    found = registry.forms.form(form_id) if FORM_ID.fullmatch(form_id) else None
    if found is None:
        raise FormNotFound(f"No form '{form_id}'.")
    return found


def all_forms(registry: Repository) -> list[SignupForm]:
    return registry.forms.forms()


@dataclass(frozen=True)
class Submission:
    """What a visitor sent: the address, the ticked purposes, the page's language."""

    email: str
    purposes: list[str]
    locale: str | None = None
    honeypot: str = ""
    evidence: dict[str, str] | None = None


def check_submission(form: SignupForm, submission: Submission) -> dict[str, bool]:
    """The decisions to record, or the DomainError naming the field a person must fix."""
    normalize_email(submission.email)
    asked = form.asked(submission.purposes)
    if not asked:
        raise DomainError("Tick at least one box.", field="purposes")
    return asked


def submit(
    registry: Repository,
    form: SignupForm,
    submission: Submission,
    *,
    now: datetime,
    links: ConfirmLinks,
    suppression_keys: tuple[str, ...],
) -> None:
    """Record a submission as pending requests; a filled honeypot records nothing.

    Returns nothing on purpose: whether the address was new, known, or had everything
    granted already must not reach the visitor.
    """
    if submission.honeypot.strip():
        return
    asked = check_submission(form, submission)
    locale = submission.locale if submission.locale in LOCALES else form.default_locale
    decisions = Decisions(
        email=submission.email,
        purposes=asked,
        source=form.source,
        actor=form.actor,
        locale=locale,
        evidence={"form_id": form.form_id, **(submission.evidence or {})},
    )
    record_decisions(
        registry,
        decisions,
        default_locale=form.default_locale,
        double_opt_in=CONSENT_PURPOSES,
        now=now,
        links=links,
        suppression_keys=suppression_keys,
        address_proven=False,
    )
