"""Headers every API answer carries: no content sniffing, no caching.

An API answer holds personal data (a subject, a history, an export), so no browser or shared
cache may keep it, and no browser may read a JSON body as a page of its own. The public
pages set a stricter set of their own (web/pages.py); an answer that already says how it may
be cached (the brand assets) keeps that. gunicorn's own error answers carry the same headers
(consent_service/gunicorn_hooks.py).
"""

from flask import Flask, Response

API_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def register(app: Flask) -> None:
    @app.after_request
    def _api_headers(response: Response) -> Response:
        for name, value in API_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
