"""The privacy policy pages: the version in effect, and every earlier one by its version.

A consent records the policy version it was given under; these pages are where a person can
read exactly that text. A version without a document in the chosen language shows the
default-language document, marked with its own `lang` so screen readers pronounce it right.
"""

from flask import Blueprint, Response, abort

from consent_service.domain.errors import UnknownPolicyVersion
from consent_service.domain.policy_text import sections
from consent_service.faces.clock import now
from consent_service.faces.languages import current_locale
from consent_service.faces.transactions import read_only
from consent_service.services.policies import PolicyVersion, current_policy, list_policies
from consent_service.web.pages import render, settings

blueprint = Blueprint("policy", __name__)


def _page(policy: PolicyVersion, versions: list[PolicyVersion], current: str | None) -> Response:
    locale = current_locale()
    document_locale = locale if locale in policy.documents else settings().default_locale
    if document_locale not in policy.documents:
        document_locale = next(iter(policy.documents))
    return render(
        "web/policy.html",
        policy=policy,
        document_locale=document_locale,
        sections=sections(policy.documents[document_locale]),
        versions=sorted(versions, key=lambda v: v.effective_at, reverse=True),
        current_version=current,
    )


@blueprint.get("/policy")
def current_policy_page() -> Response:
    moment = now()
    with read_only() as registry:
        try:
            policy = current_policy(registry, moment)
        except UnknownPolicyVersion:
            abort(404)
        versions = [v for v in list_policies(registry) if v.effective_at <= moment]
    return _page(policy, versions, policy.version)


@blueprint.get("/policy/versions/<version>")
def policy_version_page(version: str) -> Response:
    moment = now()
    with read_only() as registry:
        versions = [v for v in list_policies(registry) if v.effective_at <= moment]
        try:
            current = current_policy(registry, moment).version
        except UnknownPolicyVersion:
            current = None
    found = next((v for v in versions if v.version == version), None)
    if found is None:
        abort(404)
    return _page(found, versions, current)
