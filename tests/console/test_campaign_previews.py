"""The campaign's preview over HTTP: the email inside its layout as the mailer sends it, and
the preview as a chosen person, which only those who may look people up can ask for, which
never carries the person's working links, and which the audit log records."""

# ruff: noqa: RUF001  (Kyrgyz and Russian words are written in Cyrillic)

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sql

from consent_service.adapters.repository import SqlRepository
from consent_service.services import layouts as layout_service
from consent_service.services.campaigns import layout_of
from mailer.domain.outgoing import Person as Recipient
from mailer.services.compose import CampaignComposer, personalize
from plumbing.tokens import LinkSigner
from tests.console.conftest import signed_in, text
from tests.console.test_campaigns import create
from tests.factories import consent_body

LAYOUT = {
    "ky": {
        "shop_name": "Ала-Тоо",
        "logo_url": "https://ala-too.example.kg/logo.png",
        "legal_name": "Ала-Тоо ЖЧК",
        "postal_address": "Бишкек ш., Чүй пр. 100",
        "why": "Сиз жаңылыктарга жазылгансыз.",
    },
    "ru": {
        "shop_name": "Ала-Тоо",
        "legal_name": "ОсОО Ала-Тоо",
        "postal_address": "г. Бишкек, пр. Чуй 100",
    },
}


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    """Without double opt-in, a sign-up grants at once."""
    return environ | {"CONSENT_DOUBLE_OPT_IN": "", "PUBLIC_BASE_URL": "https://consent.example.kg"}


@pytest.fixture
def sender(browser, person):
    return signed_in(browser(), person("sender"))


@pytest.fixture
def support(browser, person):
    """Someone in marketing who also supports people: may see campaigns and look people up
    (support alone sees no campaign)."""
    return signed_in(browser(), person("marketing", "support"))


def test_an_administrator_may_preview_as_a_person_and_support_alone_sees_no_campaign(
    browser, person, sender, app, writer
) -> None:
    page_url = create(sender)
    _subject(app, writer, email="zarina@example.kg", name="Зарина")
    admin = signed_in(browser(), person("admin"))
    support_only = signed_in(browser(), person("support"))

    assert 'id="preview-as"' in text(admin.get(page_url))
    shown = text(admin.get(page_url, query_string={"as": "zarina@example.kg"}))
    assert "As Зарина gets it, in Russian" in shown
    assert support_only.get(page_url, query_string={"as": "zarina@example.kg"}).status_code == 403


@pytest.fixture
def marketing(browser, person):
    return signed_in(browser(), person("marketing"))


def _subject(app, writer, *, email: str, locale: str = "ru", **fields: str) -> str:
    body = consent_body(email=email)
    body["subject"] |= {"locale": locale, **fields}
    answer = app.test_client().post("/v1/consents", json=body, headers=writer)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["subject_id"]


def _with_layout(app, clock) -> str:
    with app.extensions["consent.sessions"]() as session, session.begin():
        made = layout_service.create_layout(
            SqlRepository(session).layouts, "Жаңылыктар", LAYOUT, default_locale="ky", now=clock.now
        )
    return str(made.id)


def _audit(app, campaign_url: str) -> list:
    campaign_id = campaign_url.rstrip("/").rsplit("/", 1)[1]
    with app.extensions["consent.engine"].connect() as connection:
        return list(
            connection.execute(
                sql(
                    "SELECT action, user_id, details FROM console_audit "
                    "WHERE target = :t AND action = 'campaign.previewed_as_subject' ORDER BY id"
                ),
                {"t": f"campaign:{campaign_id}"},
            ).all()
        )


def _details(row) -> dict:
    return row.details if isinstance(row.details, dict) else json.loads(row.details)


def test_the_preview_is_the_campaigns_content_inside_its_layout(sender, app, clock) -> None:
    page_url = create(sender, layout=_with_layout(app, clock))

    html = sender.get(page_url + "/preview/ky").get_data(as_text=True)
    plain = sender.get(page_url + "/preview/ru?part=text").get_data(as_text=True)

    assert html.index("Ала-Тоо") < html.index("Саламатсызбы") < html.index("Ала-Тоо ЖЧК")
    assert '<img src="https://ala-too.example.kg/logo.png"' in html
    assert "Сиз жаңылыктарга жазылгансыз." in html
    assert 'href="https://consent.example.kg/u/preview"' in html
    assert 'href="https://consent.example.kg/preferences/preview"' in html
    assert plain.startswith("Ала-Тоо\n\nЗдравствуйте, Aigul Osmonova!\n\n")
    assert "Отписаться: https://consent.example.kg/u/preview" in plain
    assert plain.endswith("ОсОО Ала-Тоо\nг. Бишкек, пр. Чуй 100\n")


def test_without_a_layout_the_brand_settings_frame_the_preview(sender) -> None:
    page_url = create(sender)

    html = sender.get(page_url + "/preview/ky").get_data(as_text=True)

    assert "Example Shop (demo)" in html and "Example Shop LLC (demo)" in html
    assert "1 Example Street, Bishkek (demo)" in html


@pytest.mark.parametrize("locale", ["ky", "ru"])
def test_the_preview_is_byte_for_byte_the_email_the_mailer_sends(
    sender, app, clock, locale
) -> None:
    """The same campaign through the mailer's composer and through the preview: only the
    links differ (the preview's are stand-ins), so with those swapped they are equal."""
    page_url = create(sender, layout=_with_layout(app, clock))
    campaign_id = uuid.UUID(page_url.rsplit("/", 1)[1])
    settings_ = app.extensions["consent.settings"]
    with app.extensions["consent.sessions"]() as session, session.begin():
        campaign = SqlRepository(session).campaigns.campaign(campaign_id)
        assert campaign is not None
        layout = layout_of(SqlRepository(session).campaigns, campaign)
    composer = CampaignComposer(
        content=campaign.content,
        default_locale=campaign.default_locale,
        purpose=campaign.purpose,
        campaign_id=campaign_id,
        run_id=uuid.uuid4(),
        links=LinkSigner("mailer-secret"),
        public_base_url=settings_.public_base_url,
        shop=settings_.shop,
        layout=layout,
    )
    [group] = composer.compose([Recipient(uuid.uuid4(), "a@example.kg", locale, "Aigul Osmonova")])
    [envelope] = group.envelopes
    sent = personalize(group.content, envelope)
    base = settings_.public_base_url
    stand_ins = {
        envelope.headers["List-Unsubscribe"][1:-1]: f"{base}/u/preview",
    }
    preferences = next(
        value for value in envelope.substitutions.values() if "/preferences/" in value
    )
    stand_ins[preferences] = f"{base}/preferences/preview"

    def as_previewed(part: str) -> str:
        for real, stand_in in stand_ins.items():
            part = part.replace(real, stand_in)
        return part

    html = sender.get(f"{page_url}/preview/{locale}").get_data(as_text=True)
    plain = sender.get(f"{page_url}/preview/{locale}?part=text").get_data(as_text=True)

    assert html == as_previewed(sent.html)
    assert plain == as_previewed(sent.text)


def test_support_previews_as_a_person_found_by_address_in_their_language(
    support, sender, app, writer
) -> None:
    page_url = create(sender)
    subject_id = _subject(app, writer, email="Aidai.Kasymova@Example.kg", name="Айдай Касымова")

    page = support.get(page_url, query_string={"as": "aidai.kasymova@example.KG"})

    assert page.status_code == 200
    shown = text(page)
    assert "As Айдай Касымова gets it, in Russian" in shown
    assert "The links in this preview are stand-ins" in shown
    assert f"/preview/ru?as={subject_id}" in shown
    assert f"/preview/ru?part=text&amp;as={subject_id}" in shown
    document = support.get(f"{page_url}/preview/ru", query_string={"as": subject_id})
    body = document.get_data(as_text=True)
    assert document.status_code == 200
    assert "Здравствуйте, Айдай Касымова!" in body
    assert 'href="https://consent.example.kg/u/preview"' in body
    assert "/u/preview" in body and "token" not in body


def test_a_person_is_found_by_subject_id_and_external_id_and_shown_in_the_chosen_language(
    support, sender, app, writer
) -> None:
    page_url = create(sender)
    subject_id = _subject(app, writer, email="bakyt@example.kg", name="Бакыт", external_id="CRM-7")

    by_id = text(support.get(page_url, query_string={"as": subject_id, "locale": "ky"}))
    by_external = text(support.get(page_url, query_string={"as": " CRM-7 "}))

    assert "As Бакыт gets it, in Kyrgyz" in by_id and f"/preview/ky?as={subject_id}" in by_id
    assert "As Бакыт gets it, in Russian" in by_external


def test_only_whole_values_find_a_person(support, sender, app, writer) -> None:
    page_url = create(sender)
    _subject(app, writer, email="chyngyz@example.kg", name="Чыңгыз", external_id="CRM-100")

    for partial in ("chyngyz", "chyngyz@example", "CRM-10", "%", "crm-100"):
        answer = support.get(page_url, query_string={"as": partial})
        assert answer.status_code == 422, partial
        shown = text(answer)
        assert 'id="preview-as-error"' in shown and "Nobody has this subject id" in shown
        assert 'aria-invalid="true"' in shown and "Чыңгыз" not in shown


def test_an_empty_field_shows_the_sample_recipient_and_records_nothing(
    support, sender, app
) -> None:
    page_url = create(sender)

    page = support.get(page_url, query_string={"as": "  ", "locale": "ru"})

    assert page.status_code == 200
    assert "/preview/ky" in text(page) and "preview-person-title" not in text(page)
    assert _audit(app, page_url) == []


def test_an_external_id_several_people_share_is_refused_not_guessed(
    support, sender, app, writer
) -> None:
    page_url = create(sender)
    _subject(app, writer, email="one@example.kg", external_id="SHARED")
    _subject(app, writer, email="two@example.kg", external_id="SHARED")

    answer = support.get(page_url, query_string={"as": "SHARED"})

    assert answer.status_code == 422
    assert "More than one person has this external id" in text(answer)


def test_marketing_is_not_offered_the_field_and_is_refused_the_parameter(
    marketing, sender, app, writer
) -> None:
    page_url = create(sender)
    subject_id = _subject(app, writer, email="dinara@example.kg", name="Динара")

    page = text(marketing.get(page_url))
    refused = marketing.get(page_url, query_string={"as": "dinara@example.kg"})
    document = marketing.get(f"{page_url}/preview/ru", query_string={"as": subject_id})

    assert 'id="preview-as"' not in page and "/preview/ru" in page
    assert 'id="preview-as"' not in text(sender.get(page_url))  # senders are marketing too
    assert refused.status_code == 403 and "Динара" not in text(refused)
    assert document.status_code == 403 and "Динара" not in document.get_data(as_text=True)
    assert _audit(app, page_url) == []


def test_every_look_up_is_a_line_in_the_audit_log(support, sender, app, writer) -> None:
    page_url = create(sender)
    subject_id = _subject(app, writer, email="elnura@example.kg", name="Элнура")

    support.get(page_url, query_string={"as": "elnura@example.kg", "locale": "en"})
    support.get(f"{page_url}/preview/en", query_string={"as": subject_id, "part": "text"})
    support.get(page_url, query_string={"as": "nobody@example.kg"})

    rows = _audit(app, page_url)
    assert [(_details(row)["shown"], _details(row)["locale"]) for row in rows] == [
        ("page", "en"),
        ("text", "en"),
    ]
    assert {_details(row)["subject_id"] for row in rows} == {subject_id}
    assert all("elnura" not in str(_details(row)) for row in rows)
    assert len({str(row.user_id) for row in rows}) == 1 and rows[0].user_id is not None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    query=st.text(max_size=300),
    locale=st.one_of(st.sampled_from(["", "ky", "ru", "en"]), st.text(max_size=10)),
)
def test_hostile_input_never_fails_the_page(support, sender, query: str, locale: str) -> None:
    page_url = _campaign_url(sender)

    page = support.get(page_url, query_string={"as": query, "locale": locale})
    document = support.get(f"{page_url}/preview/ky", query_string={"as": query})

    assert page.status_code == (200 if not query.strip() else 422)
    assert document.status_code == (200 if not query.strip() else 422)


_made: dict[int, str] = {}


def _campaign_url(sender) -> str:
    """One campaign per test run of the hypothesis test (its examples share the fixtures)."""
    if id(sender) not in _made:
        _made[id(sender)] = create(sender)
    return _made[id(sender)]
