"""The JSON API under /v1, plus health and the OpenAPI document."""
