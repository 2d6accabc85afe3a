"""The Flask application factory: wires settings, database and blueprints together."""

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from consent_service.api import campaigns as campaign_api
from consent_service.api import (
    catalogue,
    consents,
    headers,
    health,
    openapi,
    subjects,
    sync,
    webhooks,
)
from consent_service.api import exports as export_api
from consent_service.api import forms as forms_api
from consent_service.api import keys as keys_api
from consent_service.api import layouts as layouts_api
from consent_service.api import reports as reports_api
from consent_service.config import Settings
from consent_service.console import register as register_console
from consent_service.faces import languages, problems
from consent_service.web import register as register_public_pages
from plumbing.db import make_engine, session_factory
from plumbing.logs import configure_logging


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.secret_key)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    if settings.trusted_proxies:
        # Behind N reverse proxies the client is the Nth address from the right of
        # X-Forwarded-For: rate limits and consent evidence must see the person, not the proxy.
        n = settings.trusted_proxies
        # Flask's documented way to add WSGI middleware, which mypy takes for patching a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    engine = make_engine(settings.database_url)
    app.extensions["consent.settings"] = settings
    app.extensions["consent.engine"] = engine
    app.extensions["consent.sessions"] = session_factory(engine)
    problems.register(app)
    languages.init(app, settings)
    headers.register(app)
    for module in (health, catalogue, consents, subjects, sync, webhooks, openapi):
        app.register_blueprint(module.blueprint)
    register_public_pages(app, settings)
    register_console(app, settings)
    app.register_blueprint(campaign_api.blueprint)
    app.register_blueprint(export_api.blueprint)
    app.register_blueprint(forms_api.blueprint)
    app.register_blueprint(keys_api.blueprint)
    app.register_blueprint(layouts_api.blueprint)
    app.register_blueprint(reports_api.blueprint)
    logging.getLogger(__name__).info(
        "app created", extra={"event": "app_created", "database": engine.url.get_backend_name()}
    )
    return app
