"""Consent registry: records purpose-level consent, proves it, and tells the mailer."""
