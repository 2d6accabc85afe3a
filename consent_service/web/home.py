"""The front page at `/`: what this service is, and the way on from there.

`consent up` prints this address first, and a person may type the service's address
without a link in hand, so `/` says whose service it is and links what can be opened
without a token: the policy, a note on the links in the shop's emails, and, for the shop's
team, the console, the API's OpenAPI document and where the documentation is.
"""

from typing import NamedTuple

from flask import Blueprint, Response, url_for
from flask_babel import gettext as _

from consent_service.web.pages import render

blueprint = Blueprint("home", __name__)


class TeamLink(NamedTuple):
    href: str
    title: str
    about: str


def _team_links() -> list[TeamLink]:
    """What the shop's own people open from here: the console, and the API's document."""
    return [
        TeamLink(
            url_for("console_sign_in.login"),
            _("The console"),
            _("Where the shop's team works, signed in with the account an administrator gave."),
        ),
        TeamLink(
            url_for("openapi.openapi"),
            _("The API"),
            _("Its OpenAPI document: every route, body and answer."),
        ),
    ]


@blueprint.get("/")
def front_page() -> Response:
    return render("web/home.html", team_links=_team_links())
