"""`mailer` command line. The worker arrives with the consent-events pipeline."""

import click


@click.group()
def main() -> None:
    """The mailer worker."""


@main.command()
def work() -> None:
    """Consume consent events and send campaigns (not part of this release yet)."""
    raise click.ClickException("mailer work is not available yet: it comes with the pipeline.")
