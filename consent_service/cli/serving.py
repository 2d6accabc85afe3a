"""`consent serve` (the API and the public pages) and `consent up` (every part at once)."""

import os
import sys

import click

from consent_service.adapters.processes import internal_key
from consent_service.cli.support import broker_name, settings, upgrade_embedded
from consent_service.supervisor import Part, Supervisor, python_command

FIRST_LOGIN = "consent users create --email you@example.org --role admin"
"""What `consent up` tells a newcomer to run for the console's first login."""


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the API (development server; use gunicorn consent_service.wsgi:app in production)."""
    from consent_service.app import create_app

    current = settings()
    upgrade_embedded(current)
    app = create_app(current)
    click.echo(f"Consent API on http://{host}:{port}/ (instance: {current.instance_dir})")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def up(host: str, port: int) -> None:
    """Start the API, relay, scheduler and one mailer; Ctrl-C stops them all."""
    current = settings()
    upgrade_embedded(current)
    base = f"http://{host}:{port}"
    mailer_env = {
        "MAILER_REGISTRY_URL": base,
        "MAILER_REGISTRY_KEY": internal_key(current, "mailer catch-up", ["sync:read"]),
        "CONSENT_SECRET_KEY": current.secret_key,
    }
    parts = [
        Part(
            "api", python_command("consent_service", "serve", "--host", host, "--port", str(port))
        ),
        Part("relay", python_command("consent_service", "relay")),
        Part("scheduler", python_command("consent_service", "scheduler")),
        Part("mailer", python_command("mailer", "work"), env=mailer_env),
    ]
    for part in parts:
        part.env.setdefault("CONSENT_SECRET_KEY", current.secret_key)
        if not os.environ.get("PUBLIC_BASE_URL"):
            # Links in emails must reach this very API, whatever port it was given.
            part.env["PUBLIC_BASE_URL"] = base
    click.echo(f"API        {base}/  (OpenAPI: {base}/openapi.json)")
    click.echo(f"Console    {base}/console/")
    click.echo(f"           first login: {FIRST_LOGIN}")
    click.echo(f"Policy     {base}/v1/policies/current")
    click.echo(f"Instance   {current.instance_dir}")
    click.echo(f"Broker     {broker_name(current)}")
    click.echo("Press Ctrl-C to stop everything.")
    sys.exit(Supervisor(parts).run())
