"""In-memory stand-ins for the ports of the services, for tests that need no database."""
