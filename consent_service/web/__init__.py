"""The public pages people reach from emails and the shop's site (SPEC section 5).

Server-rendered, in Kyrgyz, Russian and English, with no script and no third-party asset.
Each page module is a blueprint; this module wires the parts every page shares: language,
CSRF, security headers, rate limiting and error pages.
"""

from flask import Blueprint, Flask, Response, request

from consent_service.config import Settings
from consent_service.faces import csrf, languages
from consent_service.web import (
    assets,
    errors,
    forms,
    home,
    limits,
    links,
    pages,
    policy,
    preferences,
    well_known,
)


def public_blueprints() -> list[Blueprint]:
    """The rate-limited, CSRF-protected blueprints, each page module's own."""
    return [
        home.blueprint,
        links.blueprint,
        policy.blueprint,
        preferences.blueprint,
        forms.blueprint,
    ]


def register(app: Flask, settings: Settings) -> None:
    pages.init(app)
    blueprints = public_blueprints()
    names = {blueprint.name for blueprint in (*blueprints, assets.blueprint)}
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.register_blueprint(assets.blueprint)
    app.register_blueprint(well_known.blueprint)
    limits.limit_public_pages(app, settings, blueprints)
    errors.init(app, blueprints)
    secure = settings.public_base_url.startswith("https://")

    @app.after_request
    def _public_response(response: Response) -> Response:
        # Pages of the public blueprints, and the error pages of addresses no face claims;
        # another face's pages (the console's) carry their own headers.
        unclaimed_page = request.blueprint is None and response.mimetype == "text/html"
        if request.blueprint in names or unclaimed_page:
            pages.secure(response)
            csrf.set_cookie(response, secure)
            languages.remember_switch(response, secure)
        if request.endpoint in assets.SHARED_WITH_OTHER_ORIGINS:
            response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response
