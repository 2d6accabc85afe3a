"""The marketing desk in the browser tests: a campaign made through the console's form, and
the mailer's progress reports written into the registry as its consumer would take them (no
mailer runs beside the console site)."""

# ruff: noqa: RUF001  (Kyrgyz and Russian words are written in Cyrillic)

import uuid
from datetime import UTC, datetime

from playwright.sync_api import Page
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from consent_service.adapters.repository import SqlRepository
from consent_service.services import campaigns
from tests.browser.console.site import ConsoleSite, submit

CONTENT = {
    "ky": (
        "Жаңы жылдык арзандатуулар",
        '<html><body><h1 style="color:#0b6e4f">Саламатсызбы, {{ name }}!</h1>'
        "<p>Ала-Тоо дүкөнүндө жаңы жылдык арзандатуулар башталды.</p>"
        '<p><a href="{{ unsubscribe_url }}">Жазылуудан баш тартуу</a> · '
        '<a href="{{ preferences_url }}">Жөндөөлөр</a></p></body></html>',
        "Саламатсызбы, {{ name }}!\nАла-Тоо дүкөнүндө жаңы жылдык арзандатуулар башталды.\n"
        "Жазылуудан баш тартуу: {{ unsubscribe_url }}\n",
    ),
    "ru": (
        "Новогодние скидки",
        '<html><body><h1 style="color:#0b6e4f">Здравствуйте, {{ name }}!</h1>'
        "<p>В магазине «Ала-Тоо» начались новогодние скидки.</p>"
        '<p><a href="{{ unsubscribe_url }}">Отписаться</a> · '
        '<a href="{{ preferences_url }}">Настройки</a></p></body></html>',
        "Здравствуйте, {{ name }}!\nВ магазине «Ала-Тоо» начались новогодние скидки.\n"
        "Отписаться: {{ unsubscribe_url }}\n",
    ),
}


def fill_campaign(page: Page, name: str, locales: tuple[str, ...] = ("ky", "ru")) -> None:
    """The new-campaign form filled in: promotions, every Monday at 09:00 in Bishkek."""
    page.locator("#name").fill(name)
    page.locator("#purpose").select_option("promotions")
    for locale in locales:
        subject, html, text = CONTENT[locale]
        page.locator(f"#content-{locale}-subject").fill(subject)
        page.locator(f"#content-{locale}-html").fill(html)
        page.locator(f"#content-{locale}-text").fill(text)
    page.locator("#schedule-recurring").check()
    page.locator("#frequency").select_option("WEEKLY")
    page.locator("#weekday").select_option("MO")
    page.locator("#time").fill("09:00")


def create_campaign(page: Page, site: ConsoleSite, name: str) -> str:
    """A campaign in Kyrgyz and Russian made through the form; its page's address."""
    page.goto(site.url("/console/campaigns/new"))
    fill_campaign(page, name)
    submit(page, "#create-campaign")
    return page.url.split("?")[0]


ZERO = dict.fromkeys(
    ("recipients", "sent", "skipped_withdrawn", "skipped_capped", "failed", "unknown"), 0
)


def report(
    site: ConsoleSite,
    campaign_url: str,
    sequence: int,
    status: str,
    recipients: int,
    sent: int,
    by_locale: dict[str, dict[str, int]] | None = None,
) -> None:
    """The mailer's `run_report` of the campaign's latest run, applied by the registry's
    service, as the registry's consumer of the mailer's reports applies it; with
    `by_locale` (counts left out are 0) as `/2` reports it, without as `/1` does."""
    campaign_id = uuid.UUID(campaign_url.rstrip("/").rsplit("/", 1)[1])
    engine = create_engine(site.site.stack.environ["CONSENT_DATABASE_URL"])
    now = datetime.now(UTC)
    try:
        with Session(engine) as session, session.begin():
            store = SqlRepository(session).campaigns
            run = store.runs_of([campaign_id])[campaign_id][0]
            campaigns.apply_report(
                store,
                {
                    "run_id": run.id,
                    "campaign_id": campaign_id,
                    "sequence": sequence,
                    "status": status,
                    "counts": {
                        "recipients": recipients,
                        "sent": sent,
                        "skipped_withdrawn": 0,
                        "skipped_capped": 0,
                        "failed": 0,
                        "unknown": 0,
                    },
                    "started_at": now,
                    "finished_at": now if status == "completed" else None,
                    "by_locale": None
                    if by_locale is None
                    else {locale: ZERO | counts for locale, counts in by_locale.items()},
                },
                now,
            )
    finally:
        engine.dispose()


def latest_run_url(page: Page) -> str:
    """The address of the first run listed on a campaign's page."""
    href = page.locator("section[aria-labelledby=runs-title] tbody a").first.get_attribute("href")
    assert href
    return href
