"""The test send on a campaign's page: the campaign's email, its subject marked "[TEST]", to
the person signed in and the addresses they type. The service (services/campaign_tests.py)
accepts only staff and CONSOLE_TEST_RECIPIENTS and a few tests an hour; its refusals come back
next to the field they are about, on the campaign's page (decision 0030).
"""

import uuid
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.campaigns import (
    WRITE,
    TestForm,
    back_to_campaign,
    campaign_page,
    store_of,
)
from consent_service.console.desk import audit_change
from consent_service.console.pages import forbidden
from consent_service.domain.campaigns import CampaignNotFound, InvalidCampaign
from consent_service.domain.staff.accounts import AuditAction
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction
from consent_service.services import campaign_tests

blueprint = Blueprint("console_test_sends", __name__, url_prefix="/console/campaigns")
csrf.protect(blueprint)
guard(blueprint, forbidden)


def _addresses(typed: str) -> list[str]:
    return [part.strip() for part in typed.replace(",", "\n").splitlines() if part.strip()]


@blueprint.post("/<uuid:campaign_id>/test")
@allow(needs(WRITE))
def send_test(campaign_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Queue the campaign's test email to the person and the addresses typed; the service
    accepts only staff and CONSOLE_TEST_RECIPIENTS and at most a few tests an hour."""
    visit = signed_in()
    test = TestForm(
        to_me=bool(request.form.get("to_me")),
        extra=request.form.get("extra", "")[:2000],
        locale=request.form.get("locale", "")[:8],
        errors={},
    )
    mine = [visit.account.email] if test.to_me and visit.account.email else []
    extra = _addresses(test.extra)
    if not mine and not extra:
        test.errors = {"extra": [_("Choose yourself or type an address.")]}
        return campaign_page(campaign_id, 422, test)
    settings = current_app.extensions["consent.settings"]

    def work(registry: SqlRepository) -> None:
        store = store_of(registry)
        sent = campaign_tests.send_test(
            store,
            store,
            campaign_id,
            mine + extra,
            actor=f"console:{visit.account.id}",
            allowed=settings.console.test_recipients,
            locale=test.locale or None,
            now=clock.now(),
        )
        audit_change(
            registry,
            AuditAction.CAMPAIGN_TEST_SENT,
            campaign_id,
            to=list(sent.recipients),
            locale=sent.locale,
        )

    try:
        in_transaction(work)
    except CampaignNotFound:
        abort(404)
    except InvalidCampaign as invalid:
        test.errors = _test_errors(invalid.errors, len(mine), extra)
        return campaign_page(campaign_id, 422, test)
    except campaign_tests.TooManyTests as refused:
        minutes = max(1, -(-refused.retry_after // 60))
        test.errors = {
            "form": [
                _(
                    "Too many test emails of this campaign within an hour; try again in "
                    "%(minutes)s min.",
                    minutes=minutes,
                )
            ]
        }
        response = campaign_page(campaign_id, 429, test)
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    return back_to_campaign(campaign_id, done="test")


def _test_errors(errors: dict[str, Any], mine: int, extra: list[str]) -> dict[str, list[str]]:
    """The service's refusals next to the field they are about: an address by its index."""
    shown: dict[str, list[str]] = {}
    refused = [extra[int(i) - mine] for i in errors.get("to", {}) if int(i) >= mine]
    if refused:
        shown["extra"] = [
            _(
                "Only a console user's address or one of CONSOLE_TEST_RECIPIENTS may get a "
                "test email: %(addresses)s",
                addresses=", ".join(refused),
            )
        ]
    if len(refused) < len(errors.get("to", {})):
        shown.setdefault("form", []).append(_("Your own address may not get a test email."))
    if "locale" in errors:
        shown["locale"] = [_("The campaign has no version in this language.")]
    return shown
