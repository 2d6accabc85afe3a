"""`/.well-known/gpc.json`: the shop says it abides by Global Privacy Control (decision 0039).

The same for every visitor and free of personal data, so it is served like the brand assets:
no key, no session, no CSRF cookie, not counted against the public pages' rate limit, and
cacheable for a day (with an ETag, so a revalidation costs a 304). A browser extension or a
checking site on any origin may read it, hence `Access-Control-Allow-Origin: *`.
"""

from flask import Blueprint, Response, jsonify, request

from consent_service.domain import gpc
from consent_service.openapi.operations import documented, empty, returns
from schemas.api.well_known import GpcSupportSchema

blueprint = Blueprint("well_known", __name__)
MAX_AGE = 86400


@blueprint.get("/.well-known/gpc.json")
@documented(
    returns(200, GpcSupportSchema, "The GPC support resource: the shop abides by the signal."),
    empty(304, "Unchanged since the ETag the client sent."),
)
def gpc_support() -> Response:
    """The GPC support resource (GPC section 4), as `application/json`."""
    response = jsonify(gpc.support_statement())
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    response.make_conditional(request)  # in place: a 304 for a matching If-None-Match
    return response
