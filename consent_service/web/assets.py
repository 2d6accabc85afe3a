"""The pages' own assets: the stylesheet, the brand colours and the shop's logo.

Served by the service itself (no third-party assets, SPEC section 5) from a blueprint that
is not rate-limited, so a page view costs one request of the visitor's budget, not three.
"""

from flask import Blueprint, Response, abort, current_app, send_file

from consent_service.config import LOGO_TYPES, Settings

blueprint = Blueprint("assets", __name__, static_folder="static", static_url_path="/static/web")

SHARED_WITH_OTHER_ORIGINS = frozenset({"assets.brand_logo"})
"""Assets other origins may show: the logo is in the header of every email, so mail programs
fetch it, and so does the console's sandboxed email preview, whose origin is opaque. Every
other answer of the pages is `Cross-Origin-Resource-Policy: same-origin`."""


def _settings() -> Settings:
    return current_app.extensions["consent.settings"]


@blueprint.get("/static/brand.css")
def brand_css() -> Response:
    """The configured colour as CSS variables; a file, so the CSP needs no inline style."""
    colour = _settings().branding.colour
    css = f":root {{ --brand: {colour}; }}\n"
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blueprint.get("/static/brand-logo")
def brand_logo() -> Response:
    logo = _settings().branding.logo
    if logo is None:
        abort(404)
    response = send_file(logo, mimetype=LOGO_TYPES[logo.suffix.lower()], max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
