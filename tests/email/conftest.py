"""The fake SendGrid fixture for every email test (imported here, so modules use it freely)."""

from tests.fake_sendgrid import fake_sendgrid  # noqa: F401
