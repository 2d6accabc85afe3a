"""The console: where the shop's staff work, under /console (SPEC section 9).

A third face beside the API and the public pages, calling the same services. Pages are drawn
on the server in Kyrgyz, Russian and English and every task is a plain form (post/redirect/
get), so all of it works without JavaScript; static/console.js, ours, only refreshes the parts
marked live. Each page module is a blueprint that checks who may open what (access.py) and the
CSRF field of every form before each request; this module wires what they share on the app:
the security headers and the cookies on every answer, single sign-on's client, and the
console's own error pages. Decisions 0028 and 0029.
"""

from flask import Blueprint, Flask, Response, request

from consent_service.config import Settings
from consent_service.console import (
    access,
    audit,
    campaign_editing,
    campaign_previews,
    campaign_runs,
    campaigns,
    dashboard,
    imports,
    keys,
    layouts,
    pages,
    policies,
    reports,
    requests,
    sessions,
    sign_in,
    sign_up_forms,
    single_sign_on,
    subject_actions,
    subject_consents,
    subjects,
    suppressions,
    test_sends,
    users,
)
from consent_service.faces import csrf, languages
from consent_service.faces.error_pages import show_pages

assets = Blueprint(
    "console_assets",
    __name__,
    static_folder="static",
    static_url_path="/console/static",
)


def page_blueprints() -> list[Blueprint]:
    """The blueprints of the console's pages, each page module's own."""
    return [
        sign_in.blueprint,
        single_sign_on.blueprint,
        dashboard.blueprint,
        layouts.blueprint,
        users.blueprint,
        campaigns.blueprint,
        campaign_editing.blueprint,
        test_sends.blueprint,
        campaign_runs.blueprint,
        campaign_previews.blueprint,
        reports.blueprint,
        subjects.blueprint,
        subject_actions.blueprint,
        subject_consents.blueprint,
        requests.blueprint,
        imports.blueprint,
        policies.blueprint,
        audit.blueprint,
        suppressions.blueprint,
        keys.blueprint,
        sign_up_forms.blueprint,
    ]


def register(app: Flask, settings: Settings) -> None:
    blueprints = page_blueprints()
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.register_blueprint(assets)
    access.check_declared(app, blueprints)
    single_sign_on.init(app, settings)
    show_pages(app, blueprints, pages.error_page)
    names = {blueprint.name for blueprint in blueprints}

    @app.after_request
    def _console_response(response: Response) -> Response:
        if request.blueprint == assets.name:
            response.headers["X-Content-Type-Options"] = "nosniff"
        elif request.blueprint in names:
            pages.secure(response)
            secure = sessions.is_https()
            csrf.set_cookie(response, secure)
            languages.remember_switch(response, secure)
        return response
