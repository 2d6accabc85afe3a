"""`/console/`: the overview every signed-in person lands on, and its live parts.

Each block of the overview is also a fragment of its own (`/console/parts/...`): the page
includes it when drawn, and static/console.js fetches it again every few seconds for the
elements marked `data-refresh`, so the figures stay current with JavaScript and are simply
as of the page's drawing without it.
"""

from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app
from flask_babel import format_number
from flask_babel import gettext as _

from consent_service.adapters.broker import BROKER_OK, BROKER_UNREACHABLE, broker_state
from consent_service.adapters.dashboard_store import SqlOverview
from consent_service.console import chart
from consent_service.console.access import SIGNED_IN, allow, guard, needs, signed_in
from consent_service.console.pages import forbidden, fragment, render
from consent_service.domain.purpose_texts import TITLES
from consent_service.domain.purposes import CATALOGUE, CONSENT_PURPOSES
from consent_service.faces import clock, csrf
from consent_service.faces.transactions import read_only
from consent_service.services import dashboard as overview
from consent_service.services.dashboard import Pipeline, ScheduledCampaign

blueprint = Blueprint("console_home", __name__, url_prefix="/console")
csrf.protect(blueprint)
guard(blueprint, forbidden)

blueprint.add_app_template_filter(format_number, "numberformat")

REFRESH_SECONDS = {"pipeline": 10, "next_runs": 30}


def _broker() -> str:
    settings = current_app.extensions["consent.settings"]
    return broker_state(settings.broker_url, settings.instance_dir)


def _broker_words(state: str) -> tuple[str, bool]:
    if state == BROKER_OK:
        return _("Taking messages"), True
    if state == BROKER_UNREACHABLE:
        return _("Unreachable: messages wait in the outbox"), False
    return _("Refusing messages: they wait in the outbox"), False


def _pipeline_context() -> dict[str, Any]:
    with read_only() as registry:
        found: Pipeline = overview.pipeline(SqlOverview(registry), _broker, clock.now())
    words, healthy = _broker_words(found.broker)
    return {
        "lag": found.lag,
        "oldest_wait": timedelta(seconds=found.lag.oldest_age_seconds),
        "broker_words": words,
        "broker_healthy": healthy,
    }


def _next_runs() -> list[ScheduledCampaign]:
    with read_only() as registry:
        return overview.next_runs(SqlOverview(registry))


def _people_context() -> dict[str, Any]:
    """People per purpose, the chart of the last days, and the requests waiting."""
    purposes = [p for p in CATALOGUE if p in CONSENT_PURPOSES]
    with read_only() as registry:
        store = SqlOverview(registry)
        people = overview.people(store, purposes)
        days = overview.changes_per_day(store, clock.now())
        requests = overview.open_requests(store, clock.now())
    return {"people": people, "days": days, "chart": chart.draw(days), "requests": requests}


@blueprint.get("/")
@allow(SIGNED_IN)
def dashboard() -> Response:
    """The overview: people per purpose and status, sign-ups and withdrawals per day, the
    pipeline's state, the requests waiting, and the next scheduled runs for those who see
    campaigns."""
    visit = signed_in()
    shows_runs = visit.may("campaigns:read")
    return render(
        "console/dashboard.html",
        title=_("Overview"),
        refresh=REFRESH_SECONDS,
        purposes=TITLES,
        next_runs=_next_runs() if shows_runs else None,
        **_pipeline_context(),
        **_people_context(),
    )


@blueprint.get("/parts/pipeline")
@allow(SIGNED_IN)
def pipeline_part() -> Response:
    """The outbox's lag and the broker's state, for the overview's live block."""
    return fragment("console/_pipeline.html", **_pipeline_context())


@blueprint.get("/parts/next-runs")
@allow(needs("campaigns:read"))
def next_runs_part() -> Response:
    """The next scheduled runs, for the overview's live block."""
    return fragment("console/_next_runs.html", next_runs=_next_runs(), purposes=TITLES)


@blueprint.route("/<path:anything>", methods=["GET", "POST"])
@allow(SIGNED_IN)
def no_such_page(anything: str) -> Response:
    """Any other address under /console: the console's own 404 page, and only to someone
    signed in, so that nobody learns from outside which pages exist."""
    abort(404)
