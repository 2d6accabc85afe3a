"""Small builders for the email tests: people, a composer, one composed group."""

import itertools
import uuid
from collections.abc import Mapping

from mailer.domain.outgoing import Outgoing, Person
from mailer.services.compose import CampaignComposer
from plumbing.shop import Shop
from plumbing.templates.renderer import TemplateRenderer
from plumbing.tokens import LinkSigner

SECRET = "email-test-secret"
BASE_URL = "https://consent.example.kg"
SENDER = "Shop news <news@shop.example.kg>"
SHOP = Shop("Ала-Тоо дүкөнү", "privacy@ala-too.example.kg, Бишкек")  # noqa: RUF001
_counter = itertools.count(1)

PLAIN = {
    "subject": "News for {{ name }}",
    "html": (
        "<html><body><p>Hello {{ name }}</p>"
        '<p><a href="{{ unsubscribe_url }}">out</a> <a href="{{ preferences_url }}">prefs</a></p>'
        "</body></html>"
    ),
    "text": "Hello {{ name }}\nOut: {{ unsubscribe_url }}\nPrefs: {{ preferences_url }}\n",
}


def person(locale: str | None = "ky", name: str | None = "Aigul") -> Person:
    return Person(uuid.uuid4(), f"reader{next(_counter)}@example.kg", locale, name)


def composer(
    content: Mapping[str, Mapping[str, str]] | None = None,
    *,
    default_locale: str = "ky",
    purpose: str = "newsletters",
    base_url: str = BASE_URL,
    campaign_id: uuid.UUID | None = None,
    run_id: uuid.UUID | None = None,
    shop: Shop = SHOP,
    renderer: TemplateRenderer | None = None,
    layout: Mapping[str, Mapping[str, str]] | None = None,
) -> CampaignComposer:
    return CampaignComposer(
        content=content or {"ky": PLAIN},
        default_locale=default_locale,
        purpose=purpose,
        campaign_id=campaign_id or uuid.uuid4(),
        run_id=run_id or uuid.uuid4(),
        links=LinkSigner(SECRET),
        public_base_url=base_url,
        shop=shop,
        renderer=renderer,
        layout=layout,
    )


def one_group(count: int = 3, **content: str) -> Outgoing:
    """One composed group of `count` people of one locale."""
    [group] = composer({"ky": {**PLAIN, **content}}).compose([person() for _ in range(count)])
    return group
