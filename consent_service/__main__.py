"""`python -m consent_service` is the `consent` command."""

from consent_service.cli import main

main()
