"""Liveness, readiness and metrics for orchestrators, load balancers and Prometheus."""

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from consent_service.adapters.broker import BROKER_OK, broker_state
from consent_service.adapters.metrics import PipelineCollector, exposition
from consent_service.faces.clock import now
from consent_service.faces.transactions import read_only
from consent_service.openapi.operations import documented, returns
from consent_service.services.status import OutboxLag
from plumbing.metrics import TEXT_FORMAT
from schemas.api.health import HealthSchema, ReadinessSchema

blueprint = Blueprint("health", __name__)


def _broker() -> str:
    """Whether the broker takes a published message now, not only whether it answers."""
    settings = current_app.extensions["consent.settings"]
    return broker_state(settings.broker_url, settings.instance_dir)


@blueprint.get("/healthz")
@documented(returns(200, HealthSchema, "Alive"))
def healthz() -> Response:
    """The process answers; says nothing of its dependencies."""
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
@documented(
    returns(200, ReadinessSchema, "Ready (`ready` or `degraded`)"),
    returns(503, ReadinessSchema, "The database does not answer (`unavailable`)"),
)
def readyz() -> Response:
    """Whether the process can serve requests: 503 when the database does not answer.

    A broker that is unreachable or refuses to take messages is reported (`degraded`) but
    still ready: writes keep succeeding into the outbox, so taking the API out of rotation
    would turn a delivery delay into lost sign-ups."""
    checks: dict[str, str] = {}
    try:
        with read_only() as registry:
            registry.session.execute(text("SELECT 1"))
            lag = OutboxLag.measure(registry, now())
        checks["database"] = "ok"
    except SQLAlchemyError as error:
        checks["database"] = f"error: {type(error).__name__}"
        lag = None
    checks["broker"] = _broker()
    body: dict[str, object] = {"checks": checks}
    if lag is not None:
        body["outbox"] = {"unsent": lag.unsent, "oldest_age_seconds": lag.oldest_age_seconds}
    if checks["database"] != "ok":
        body["status"] = "unavailable"
        status = 503
    else:
        body["status"] = "ready" if checks["broker"] == BROKER_OK else "degraded"
        status = 200
    response = jsonify(body)
    response.status_code = status
    return response


@blueprint.get("/metrics")
@documented(
    returns(
        200,
        {"type": "string"},
        "Prometheus text format 0.0.4 (docs/operations.md lists every metric)",
        media_type="text/plain",
    )
)
def metrics() -> Response:
    """Prometheus metrics: the outbox lag and the broker's state, measured now, and the
    counters of every worker of this server (consent changes; docs/decisions/0040)."""
    body = exposition(PipelineCollector(_outbox_lag, lambda: _broker() == BROKER_OK))
    return Response(body, content_type=TEXT_FORMAT)


def _outbox_lag() -> tuple[int, float]:
    with read_only() as registry:
        lag = OutboxLag.measure(registry, now())
    return lag.unsent, lag.oldest_age_seconds
