"""The campaign form: what was typed, as the API's body, and the refusals next to their fields.

The form asks for what the API's `POST /v1/campaigns` takes (name, purpose, subject, HTML and
text per language, and a schedule), in words a person fills in: a date and time in a time zone
for a one-off, or how often, which day and at what time for a recurring one (with a field for
an RFC 5545 rule when those are not enough). `body` turns it into the API's body, which the
API's schema checks for shape and the campaign service for everything else, so that the console
and the API accept exactly the same campaigns. `field_errors` lays the refusals, keyed like the
body (`content.ky.html`, `schedule.rrule`), on the form's fields.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from consent_service.domain.locales import LOCALES
from consent_service.domain.schedule_words import WEEKDAYS
from plumbing.templates.campaigns import PARTS
from schemas.api.campaigns import CampaignCreateSchema

DEFAULT_ZONE = "Asia/Bishkek"
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY")
MAX_FIELD = 100_000
_schema = CampaignCreateSchema()


@dataclass
class CampaignForm:
    """The form's values as typed (shown again with the refusals) and the refusals per field."""

    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def empty_form() -> CampaignForm:
    return CampaignForm(
        {"schedule": "recurring", "frequency": "WEEKLY", "weekday": "MO", "time": "09:00"}
        | {"timezone": DEFAULT_ZONE, "month_day": "1"}
    )


def read_form(form: MultiDict[str, str]) -> CampaignForm:
    names = ["name", "purpose", "layout", "schedule", "at", "timezone", "frequency", "weekday"]
    names += ["month_day", "time", "rrule", "until"]
    names += [content_field(locale, part) for locale in LOCALES for part in PARTS]
    return CampaignForm({name: form.get(name, "")[:MAX_FIELD] for name in names})


def content_field(locale: str, part: str) -> str:
    return f"content-{locale}-{part}"


def body(form: CampaignForm) -> dict[str, Any] | None:
    """The API's body for the form, or None with `form.errors` filled in (shape only: the
    service judges purpose, templates and schedule)."""
    raw: dict[str, Any] = {
        "name": form.value("name").strip(),
        "purpose": form.value("purpose"),
        "layout": form.value("layout") or None,
        "content": _content(form),
        "schedule": _schedule(form),
    }
    if not raw["name"]:
        form.errors["name"] = [_("Give the campaign a name.")]
    if form.errors:
        return None
    try:
        return dict(_schema.load(raw))
    except ValidationError as error:
        form.errors.update(field_errors(error.normalized_messages()))
        return None


def _content(form: CampaignForm) -> dict[str, dict[str, str]]:
    content = {}
    for locale in LOCALES:
        parts = {part: form.value(content_field(locale, part)) for part in PARTS}
        filled = [part for part, value in parts.items() if value.strip()]
        if filled and len(filled) < len(PARTS):
            for part in PARTS:
                if part not in filled:
                    form.errors[f"content.{locale}.{part}"] = [
                        _("Fill in the subject, HTML and text of this language, or none of them.")
                    ]
        if filled:
            content[locale] = parts
    return content


def _schedule(form: CampaignForm) -> dict[str, str]:
    zone = form.value("timezone").strip() or DEFAULT_ZONE
    if form.value("schedule") == "once":
        return {"at": _instant(form, zone)} if form.value("at") else {}
    rule = form.value("rrule").strip() or _rule(form)
    if not rule:
        return {"timezone": zone}
    until = form.value("until").strip()
    return {"rrule": rule, "timezone": zone} | ({"until": until} if until else {})


def _instant(form: CampaignForm, zone: str) -> str:
    """The date and time typed, in the zone chosen, as an ISO instant with its offset."""
    try:
        local = datetime.fromisoformat(form.value("at"))
    except ValueError:
        form.errors["schedule.at"] = [_("Give a date and a time.")]
        return ""
    try:
        return local.replace(tzinfo=ZoneInfo(zone)).isoformat()
    except (KeyError, ValueError):
        form.errors["schedule.timezone"] = [_("Unknown time zone; use a name like Asia/Bishkek.")]
        return ""


def _rule(form: CampaignForm) -> str:
    """The RFC 5545 rule for "how often, which day, what time"."""
    frequency = form.value("frequency")
    hour, minute = _time(form)
    if frequency not in FREQUENCIES or hour is None:
        return ""
    rule = f"FREQ={frequency}"
    if frequency == "WEEKLY":
        weekday = form.value("weekday")
        if weekday not in WEEKDAYS:
            form.errors["weekday"] = [_("Choose a day of the week.")]
            return ""
        rule += f";BYDAY={weekday}"
    elif frequency == "MONTHLY":
        day = form.value("month_day")
        if not day.isdigit() or not 1 <= int(day) <= 28:
            form.errors["month_day"] = [_("Give a day of the month from 1 to 28.")]
            return ""
        rule += f";BYMONTHDAY={int(day)}"
    return f"{rule};BYHOUR={hour};BYMINUTE={minute}"


def _time(form: CampaignForm) -> tuple[int | None, int]:
    hours, _sep, minutes = form.value("time").partition(":")
    if hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60:
        return int(hours), int(minutes)
    form.errors["time"] = [_("Give a time such as 09:00.")]
    return None, 0


def field_errors(errors: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """`{"content": {"ky": {"html": [...]}}}` as `{"content.ky.html": [...]}`."""
    flat: dict[str, list[str]] = {}
    for key, found in errors.items():
        where = f"{prefix}{key}"
        if isinstance(found, Mapping):
            flat.update(field_errors(found, where + "."))
        else:
            flat[where] = [str(message) for message in found]
    return flat


def service_errors(errors: Mapping[str, Any]) -> dict[str, list[str]]:
    """The campaign service's refusals, each introduced in the person's language; the reason
    itself stays the service's (it names a template's line or variable, decision 0031)."""
    flat = field_errors(errors)
    for where, messages in flat.items():
        flat[where] = [_introduced(where, message) for message in messages]
    return flat


def _introduced(where: str, reason: str) -> str:
    if where.startswith("content"):
        return _("This template cannot be used: %(reason)s", reason=reason)
    if where.startswith("schedule"):
        return _("This schedule cannot be used: %(reason)s", reason=reason)
    return _("This cannot be used: %(reason)s", reason=reason)


FIELD_OF = {
    "name": "name",
    "purpose": "purpose",
    "layout": "layout",
    "schedule.at": "at",
    "schedule.rrule": "rrule",
    "schedule.timezone": "timezone",
    "schedule.until": "rrule",
    "schedule._schema": "schedule",
    "schedule": "schedule",
    "time": "time",
    "weekday": "weekday",
    "month_day": "month_day",
}


def errors_by_field(form: CampaignForm) -> dict[str, list[str]]:
    """The refusals keyed by the form field they are shown next to (its `name`)."""
    shown: dict[str, list[str]] = {}
    for where, messages in form.errors.items():
        name = FIELD_OF.get(where)
        if name is None and where.startswith("content."):
            _c, locale, *part = where.split(".")
            name = content_field(locale, part[0]) if part else content_field(locale, "subject")
        shown.setdefault(name or "form", []).extend(messages)
    return shown


def filled_form(
    name: str,
    purpose: str,
    layout_id: object | None,
    content: Mapping[str, Mapping[str, str]],
    schedule: Mapping[str, str] | None,
) -> CampaignForm:
    """The form filled with a campaign as it is, to edit it. A one-off's instant is shown in
    the form's default zone; a recurring schedule as its RFC 5545 rule and its end, which the
    form sends back as they were (the "how often" fields cannot say every rule)."""
    form = empty_form()
    form.values |= {"name": name, "purpose": purpose, "layout": str(layout_id or "")}
    for locale, version in content.items():
        for part in PARTS:
            form.values[content_field(locale, part)] = version.get(part, "")
    if schedule and "at" in schedule:
        local = datetime.fromisoformat(schedule["at"]).astimezone(ZoneInfo(DEFAULT_ZONE))
        form.values |= {"schedule": "once", "at": local.strftime("%Y-%m-%dT%H:%M")}
    elif schedule and "rrule" in schedule:
        form.values |= {"rrule": schedule["rrule"], "timezone": schedule.get("timezone", "")}
        form.values["until"] = schedule.get("until", "")
    return form


def content_changes(
    content: Mapping[str, dict[str, str]],
) -> dict[str, dict[str, str] | None]:
    """The edit's content per locale: the languages filled in replace theirs, the languages
    left empty are removed (the form shows every language the campaign has)."""
    return {locale: content.get(locale) for locale in LOCALES}
