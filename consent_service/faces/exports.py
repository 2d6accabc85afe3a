"""The export of a person's data, as every face builds it: the registry's part and the
mailer's, asked over the broker (services/export.py).

The API answers it as JSON or a zip, the preference centre offers it as a file; both use the
app's one exporter, whose client to the mailer's part is made once per app and reused.
"""

from flask import current_app

from consent_service.adapters.export_requests import MailerPartClient, exporter_for
from consent_service.services.export import Exporter, MailerPart

MAILER_PART = "consent.mailer_part"
"""Where the app keeps its MailerPartClient; a test may put a stand-in there."""


def mailer_part() -> MailerPart:
    """The app's client to the mailer's part, made on first use."""
    extensions = current_app.extensions
    if MAILER_PART not in extensions:
        settings = extensions["consent.settings"]
        extensions[MAILER_PART] = MailerPartClient(
            settings.broker_url, settings.instance_dir, settings.export_timeout
        )
    part: MailerPart = extensions[MAILER_PART]
    return part


def exporter() -> Exporter:
    """The app's exporter: the configured shop and the mailer over the configured broker."""
    extensions = current_app.extensions
    settings, sessions = extensions["consent.settings"], extensions["consent.sessions"]
    return exporter_for(settings, sessions, mailer_part())
