"""The campaign form: `/console/campaigns/new` to create a campaign and `.../<id>/edit` to
change one. The form is read and checked by campaign_form.py; what is wrong comes back next to
its field (422), and the service's own refusals (a template that cannot render, a run going)
the same way, so nothing half-written is ever saved. An edit by someone without
`campaigns:send` makes the campaign a draft (decision 0030).
"""

import uuid

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from consent_service.adapters.repository import SqlRepository
from consent_service.console import campaign_form
from consent_service.console.access import allow, guard, needs, signed_in
from consent_service.console.campaign_words import campaign_purposes
from consent_service.console.campaigns import SEND, WRITE, store_of
from consent_service.console.desk import audit_change, campaign_or_404
from consent_service.console.pages import forbidden, render
from consent_service.domain.campaigns import CampaignNotFound, InvalidCampaign
from consent_service.domain.errors import Conflict
from consent_service.domain.layouts import Layout
from consent_service.domain.locales import LOCALES
from consent_service.domain.staff.accounts import AuditAction
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import in_transaction, read_only
from consent_service.services import campaign_edits, campaigns
from consent_service.services import layouts as layout_service
from consent_service.services.campaign_edits import DEFAULT_LAYOUT, CampaignChanges
from consent_service.services.campaigns import CampaignView, NewCampaign
from plumbing.templates.campaigns import PARTS

blueprint = Blueprint("console_campaign_editing", __name__, url_prefix="/console/campaigns")
csrf.protect(blueprint)
guard(blueprint, forbidden)


def _layouts() -> list[Layout]:
    with read_only() as registry:
        return layout_service.list_layouts(registry.layouts)


def _form_page(
    form: campaign_form.CampaignForm, status: int = 200, editing: CampaignView | None = None
) -> Response:
    """The campaign form: empty to create one, or `editing` a campaign, filled with it."""
    return render(
        "console/campaign_new.html",
        status,
        title=_("Edit %(name)s", name=editing.campaign.name) if editing else _("New campaign"),
        editing=editing.campaign if editing else None,
        may_send=signed_in().may(SEND),
        form=form,
        errors=campaign_form.errors_by_field(form),
        purposes=campaign_purposes(),
        layouts=_layouts(),
        locales=LOCALES,
        parts=PARTS,
        content_field=campaign_form.content_field,
        frequencies=campaign_form.FREQUENCIES,
    )


@blueprint.get("/new")
@allow(needs(WRITE))
def new_campaign() -> Response:
    """The form to create a campaign."""
    return _form_page(campaign_form.empty_form())


@blueprint.post("/new")
@allow(needs(WRITE))
def create_campaign() -> Response | WerkzeugResponse:
    """Create the campaign the form describes, or show the form again with what is wrong next
    to each field; the campaign's page then warns of languages its recipients lack."""
    form = campaign_form.read_form(request.form)
    body = campaign_form.body(form)
    if body is None:
        return _form_page(form, 422)
    new = NewCampaign(**body)
    default_locale = current_app.extensions["consent.settings"].default_locale
    may_send = signed_in().may(SEND)

    def work(registry: SqlRepository) -> CampaignView:
        view = campaigns.create_campaign(
            store_of(registry),
            new,
            may_send=may_send,
            default_locale=default_locale,
            now=clock.now(),
        )
        found = view.campaign
        audit_change(registry, AuditAction.CAMPAIGN_CREATED, found.id, name=found.name)
        return view

    try:
        view = in_transaction(work)
    except InvalidCampaign as invalid:
        form.errors.update(campaign_form.service_errors(invalid.errors))
        return _form_page(form, 422)
    target = url_for("console_campaigns.campaign", campaign_id=view.campaign.id, done="created")
    return redirect(target, 303)


@blueprint.get("/<uuid:campaign_id>/edit")
@allow(needs(WRITE))
def edit_campaign(campaign_id: uuid.UUID) -> Response:
    """The campaign form, filled with the campaign as it is."""
    view = campaign_or_404(campaign_id)
    found = view.campaign
    form = campaign_form.filled_form(
        found.name, found.purpose, found.layout_id, found.content, found.schedule
    )
    return _form_page(form, editing=view)


@blueprint.post("/<uuid:campaign_id>/edit")
@allow(needs(WRITE))
def save_campaign(campaign_id: uuid.UUID) -> Response | WerkzeugResponse:
    """Save the edit, or show the form again with what is wrong next to each field (422) or
    why the campaign cannot be edited now (409); nothing is written then. An edit by someone
    without `campaigns:send` makes the campaign a draft (decision 0030)."""
    view = campaign_or_404(campaign_id)
    form = campaign_form.read_form(request.form)
    body = campaign_form.body(form)
    if body is None:
        return _form_page(form, 422, editing=view)
    changes = CampaignChanges(
        name=body["name"],
        purpose=body["purpose"],
        content=campaign_form.content_changes(body["content"]),
        schedule=body.get("schedule"),
        layout=body.get("layout") or DEFAULT_LAYOUT,
    )
    may_send = signed_in().may(SEND)

    def work(registry: SqlRepository) -> None:
        edited = campaign_edits.update_campaign(
            store_of(registry), campaign_id, changes, may_send=may_send, now=clock.now()
        )
        audit_change(
            registry,
            AuditAction.CAMPAIGN_EDITED,
            campaign_id,
            status=edited.campaign.status,
        )

    try:
        in_transaction(work)
    except CampaignNotFound:
        abort(404)
    except InvalidCampaign as invalid:
        form.errors.update(campaign_form.service_errors(invalid.errors))
        return _form_page(form, 422, editing=view)
    except Conflict:
        form.errors["form"] = [
            _(
                "The campaign cannot be edited now: a run of it is going, it has ended, or "
                "someone else changed it meanwhile. Nothing was saved; open it again."
            )
        ]
        return _form_page(form, 409, editing=view)
    target = url_for("console_campaigns.campaign", campaign_id=campaign_id, done="edited")
    return redirect(target, 303)
