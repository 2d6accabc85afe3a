"""`/console/policies`: the privacy policy's versions, for whoever holds `policies:admin`.

The list shows every version with the moment it takes effect (Bishkek time, as the console
shows every time), which one is in effect and which are still to come, and who published it.
A new version is one plain form: its name, the date and time it takes effect, and its text in
Kyrgyz, Russian and English, all three required. A refused form comes back with what was
typed and each problem beside its field (422); nothing is stored until everything is fit
(services/policies.py `publish_reviewed`). A version's page shows, per language, what changed
from the version before it (services/policy_changes.py). Decision 0044.
"""

import uuid
from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.staff_store import SqlStaffStore
from consent_service.console import sessions
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, render
from consent_service.domain.staff.accounts import AuditAction, AuditEntry
from consent_service.domain.tallies import DAY_ZONE
from consent_service.faces import clock, csrf
from consent_service.faces.languages import LANGUAGE_NAMES
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services.policies import (
    MAX_DOCUMENT,
    PolicyRefused,
    PolicyVersion,
    in_effect,
    list_policies,
    previous_version,
    publish_reviewed,
)
from consent_service.services.policy_changes import compare
from plumbing.vocabulary import LOCALES

blueprint = Blueprint("console_policies", __name__, url_prefix="/console/policies")
csrf.protect(blueprint)
guard(blueprint, forbidden)
POLICIES_ADMIN = "policies:admin"
MAX_TYPED = MAX_DOCUMENT + 1
"""Just above the service's own limit, so that a longer text is refused, not cut."""
CONSOLE = "console:"


def _locales() -> list[str]:
    default_locale = sessions.settings().default_locale
    return [default_locale, *(locale for locale in LOCALES if locale != default_locale)]


def _problem(field: str, code: str) -> str:
    if field == "version":
        if code == "exists":
            return _(
                "This version exists already and versions are never edited: choose a new name."
            )
        return _(
            "Name the version with letters, digits, “.”, “_” or “-”, at most 32 characters, "
            "for example 2027-01-01."
        )
    if field == "effective_at":
        if code == "past":
            return _(
                "A version cannot take effect in the past: consents already given were given "
                "under the version in effect then. Choose a moment from now on."
            )
        return _("Give the date and the time (Bishkek time) the version takes effect.")
    language = LANGUAGE_NAMES.get(field, field)
    if code == "missing":
        return _(
            "Write the %(language)s text: every version is published in Kyrgyz, Russian "
            "and English.",
            language=language,
        )
    return _(
        "The %(language)s text is too long or holds characters that cannot be stored.",
        language=language,
    )


def _typed(name: str, limit: int = 100) -> str:
    return request.form.get(name, "")[:limit]


def _effective_at(day: str, moment: str) -> datetime | None:
    """The date and time typed, in Bishkek time; None when they are not a date and a time."""
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(moment), DAY_ZONE)
    except ValueError:
        return None


def _publisher(registry: SqlRepository, published_by: str | None) -> str:
    """Who published a version, in words: a person by name, an API key by its name."""
    if published_by is None:
        return _("not recorded")
    if published_by.startswith(CONSOLE):
        try:
            account = SqlStaffStore(registry).account(uuid.UUID(published_by[len(CONSOLE) :]))
        except ValueError:
            account = None
        if account is None:
            return published_by
        return _("%(name)s, in the console", name=account.shown_name)
    key = registry.api_keys.key(published_by)
    if key is None:
        return published_by
    return _("API key “%(name)s”", name=key.name)


def _state(policy: PolicyVersion, current: PolicyVersion | None, now: datetime) -> str:
    if current is not None and policy.version == current.version:
        return "current"
    return "upcoming" if policy.effective_at > now else "earlier"


def state_titles() -> dict[str, str]:
    return {
        "current": _("In effect"),
        "upcoming": _("Takes effect later"),
        "earlier": _("Replaced"),
    }


def _done() -> str | None:
    if request.args.get("done") == "published":
        return _("The version was published. It takes effect at the moment given.")
    return None


@blueprint.get("")
@allow(needs(POLICIES_ADMIN))
def policies() -> Response:
    """Every version, newest first, with its state and who published it."""
    now = clock.now()
    with read_only() as registry:
        found = list_policies(registry)
        publishers = {policy.version: _publisher(registry, policy.published_by) for policy in found}
    current = in_effect(found, now)
    return render(
        "console/policies.html",
        title=_("Privacy policy"),
        rows=[
            {"policy": policy, "state": _state(policy, current, now)} for policy in reversed(found)
        ],
        publishers=publishers,
        states=state_titles(),
        done=_done(),
    )


def _form_page(status: int, values: dict[str, str], problems: dict[str, str]) -> Response:
    return render(
        "console/policy_new.html",
        status,
        title=_("Publish a new version"),
        values=values,
        problems=problems,
        locales=[(locale, LANGUAGE_NAMES[locale]) for locale in _locales()],
        max_document=MAX_DOCUMENT,
    )


@blueprint.get("/new")
@allow(needs(POLICIES_ADMIN))
def new_policy() -> Response:
    """The form for a new version, its texts filled with the newest version's, so that a change
    is an edit of the text it follows."""
    with read_only() as registry:
        found = list_policies(registry)
    values = dict(found[-1].documents) if found else {}
    return _form_page(200, values, {})


def _audit(registry: SqlRepository, published: PolicyVersion) -> None:
    entry = AuditEntry(
        clock.now(),
        signed_in().account.id,
        AuditAction.POLICY_PUBLISHED,
        f"policy:{published.version}",
        sessions.client_address(),
        {
            "version": published.version,
            "effective_at": published.effective_at.isoformat(),
            "locales": sorted(published.documents),
        },
    )
    SqlStaffStore(registry).record(entry)


@blueprint.post("")
@allow(needs(POLICIES_ADMIN))
def publish() -> Response | WerkzeugResponse:
    """Publish the version; a refused form comes back with each problem beside its field."""
    locales = _locales()
    values = {name: _typed(name) for name in ("version", "effective_on", "effective_time")}
    values |= {locale: _typed(locale, MAX_TYPED) for locale in locales}
    effective_at = _effective_at(values["effective_on"], values["effective_time"])
    documents = {locale: values[locale] for locale in locales}

    def work(registry: SqlRepository) -> PolicyVersion:
        published = publish_reviewed(
            registry,
            values["version"].strip(),
            effective_at,
            documents,
            locales,
            clock.now(),
            published_by=signed_in().account.actor,
        )
        _audit(registry, published)
        return published

    try:
        published = in_transaction(work)
    except PolicyRefused as refused:
        problems = {field: _problem(field, code) for field, code in refused.problems.items()}
        return _form_page(422, values, problems)
    return redirect(
        url_for("console_policies.policy", version=published.version, done="published"), 303
    )


def _changes(policy: PolicyVersion, previous: PolicyVersion | None) -> list[dict[str, Any]]:
    """Per language, the changes from the version before (None when there is none before)."""
    ordered = [locale for locale in _locales() if locale in policy.documents]
    ordered += sorted(set(policy.documents) - set(ordered))
    return [
        {
            "locale": locale,
            "language": LANGUAGE_NAMES.get(locale, locale),
            "hunks": (
                compare(previous.documents.get(locale, ""), policy.documents[locale])
                if previous
                else None
            ),
        }
        for locale in ordered
    ]


@blueprint.get("/<version>")
@allow(needs(POLICIES_ADMIN))
def policy(version: str) -> Response:
    """One version: when it takes effect, who published it, and what changed per language."""
    now = clock.now()
    with read_only() as registry:
        found = list_policies(registry)
        chosen = next((policy for policy in found if policy.version == version), None)
        if chosen is None:
            abort(404)
        publisher = _publisher(registry, chosen.published_by)
    previous = previous_version(found, version)
    return render(
        "console/policy.html",
        title=_("Policy version %(version)s", version=chosen.version),
        policy=chosen,
        previous=previous,
        publisher=publisher,
        state=state_titles()[_state(chosen, in_effect(found, now), now)],
        changes=_changes(chosen, previous),
        done=_done(),
    )
