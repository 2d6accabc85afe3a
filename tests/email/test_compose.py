"""Composing a run's emails: rendered once per locale, personal values per envelope."""

import re
import uuid
from collections.abc import Callable, Sequence

import pytest

from mailer.domain.outgoing import Content, Envelope, Outgoing
from mailer.services.compose import CompositionError, personalize
from plumbing.templates.renderer import Part, TemplateRenderer
from plumbing.tokens import Intent, InvalidToken, LinkSigner
from tests.email.factories import BASE_URL, PLAIN, SECRET, composer, person


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many campaign template parts have been rendered since the test began."""
    parts = []
    original = TemplateRenderer.render_many

    def counting(self: TemplateRenderer, messages: Sequence[Sequence[Part]]) -> list[list[str]]:
        parts.extend(part for message in messages for part in message)
        return original(self, messages)

    monkeypatch.setattr(TemplateRenderer, "render_many", counting)
    return lambda: len(parts)


def delivered(group: Outgoing) -> list[tuple[Envelope, Content]]:
    return [(envelope, personalize(group.content, envelope)) for envelope in group.envelopes]


def test_each_locale_is_rendered_once_however_many_recipients(renders: Callable[[], int]) -> None:
    run = composer({"ky": PLAIN, "ru": {**PLAIN, "subject": "Новости, {{ name }}"}})
    run.compose([person("ky"), person("ru")])
    once_per_locale = renders()

    groups = run.compose([person(locale) for locale in ("ky", "ru") * 500])

    assert once_per_locale == 2 * 3
    assert renders() == once_per_locale
    assert sorted(len(g.envelopes) for g in groups) == [500, 500]


def test_each_recipient_gets_their_own_name_and_links() -> None:
    people = [person(name="Aigul"), person(name="Bakyt")]
    [group] = composer().compose(people)

    for (envelope, content), someone in zip(delivered(group), people, strict=True):
        unsubscribe = envelope.headers["List-Unsubscribe"].strip("<>")
        assert content.subject == f"News for {someone.name}"
        assert f"Hello {someone.name}" in content.text
        assert f"Out: {unsubscribe}" in content.text
        assert f'href="{unsubscribe}"' in content.html
        assert "%%cs-" not in content.subject + content.html + content.text


def test_a_condition_on_the_name_renders_once_per_distinct_name(
    renders: Callable[[], int],
) -> None:
    text = "{% if name %}Hello {{ name }}{% else %}Hello there{% endif %} {{ unsubscribe_url }}"
    run = composer({"ky": {**PLAIN, "text": text}})
    people = [person(name="Ann"), person(name=None), person(name="Ann"), person(name="Bob")]

    groups = run.compose(people)

    assert renders() == 3 * 3  # three distinct names, three parts
    texts = {e.address: c.text for g in groups for e, c in delivered(g)}
    assert "\nHello Ann " in texts[people[0].address]
    assert "\nHello there " in texts[people[1].address]
    assert sorted(len(g.envelopes) for g in groups) == [1, 1, 2]


def test_a_filtered_personal_value_is_rendered_for_real() -> None:
    run = composer({"ky": {**PLAIN, "subject": "News for {{ name|upper }}"}})

    [group] = run.compose([person(name="Aigul")])

    assert group.content.subject == "News for AIGUL"
    assert "%%cs-name" not in group.content.html + group.content.text


def test_a_locale_without_a_version_gets_the_default_locale() -> None:
    run = composer({"ky": PLAIN, "ru": {**PLAIN, "subject": "Новости"}}, default_locale="ky")

    groups = run.compose([person("en"), person(None), person("ru")])

    subjects = {e.address: g.content.subject for g in groups for e in g.envelopes}
    assert sorted(subjects.values()) == ["News for %%cs-name%%"] * 2 + ["Новости"]


@pytest.mark.parametrize(
    ("locale", "words"),
    [("ky", "Жазылуудан чыгуу"), ("ru", "Отписаться"), ("en", "Unsubscribe")],
)
def test_a_template_without_links_gets_a_footer_with_both(locale: str, words: str) -> None:
    bare = {"subject": "News", "html": "<html><body><p>Hi</p></body></html>", "text": "Hi"}
    run = composer({locale: bare}, default_locale=locale)

    [(envelope, content)] = delivered(run.compose([person(locale)])[0])

    unsubscribe = envelope.headers["List-Unsubscribe"].strip("<>")
    [preferences] = set(re.findall(rf"{BASE_URL}/preferences/[A-Za-z0-9._-]+", content.text))
    for part in (content.text, content.html):
        assert unsubscribe in part
        assert preferences in part
        assert words in part
    assert content.html.endswith("</div>\n</body></html>")


def test_a_template_placing_both_links_keeps_them_and_the_footer_has_them_too() -> None:
    """The layout's footer always carries the links, whatever the content does."""
    [group] = composer().compose([person()])

    assert group.content.text.count("%%cs-unsubscribe_url%%") == 2
    assert group.content.html.count("%%cs-unsubscribe_url%%") == 2
    assert group.content.html.endswith("</div>\n</body></html>")


@pytest.mark.parametrize(
    "html",
    ["<p>{{ name }}</p>", "<p>{% if name %}{{ name }}{% endif %}</p>"],
    ids=["placeholder", "rendered"],
)
def test_the_name_is_escaped_in_html_and_not_in_text(html: str) -> None:
    run = composer({"ky": {**PLAIN, "html": html}})

    [(_, content)] = delivered(run.compose([person(name="<b>A&B</b>")])[0])

    assert "<p>&lt;b&gt;A&amp;B&lt;/b&gt;</p>" in content.html
    assert "<b>" not in content.html
    assert content.subject == "News for <b>A&B</b>"
    assert "\nHello <b>A&B</b>\n" in content.text


def test_custom_args_and_links_carry_ids_and_never_the_address() -> None:
    campaign_id, run_id = uuid.uuid4(), uuid.uuid4()
    run = composer(campaign_id=campaign_id, run_id=run_id)
    someone = person()

    [group] = run.compose([someone])

    [envelope] = group.envelopes
    assert envelope.custom_args == {
        "campaign_id": str(campaign_id),
        "run_id": str(run_id),
        "subject_id": str(someone.subject_id),
    }
    visible = [*envelope.custom_args.values(), *envelope.headers.values()]
    visible += envelope.substitutions.values()
    local_part = someone.address.split("@")[0]
    assert not [value for value in visible if local_part in value or "@" in value]


def test_each_link_has_a_token_bound_to_its_intent_subject_and_purpose() -> None:
    someone = person()
    [group] = composer(purpose="promotions").compose([someone])

    [envelope] = group.envelopes
    signer = LinkSigner(SECRET)
    unsubscribe = envelope.headers["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{BASE_URL}/u/")
    token = unsubscribe.strip("<>").rsplit("/", 1)[1]
    claim = signer.read(Intent.UNSUBSCRIBE, token)
    assert (claim.subject_id, claim.purpose) == (someone.subject_id, "promotions")
    [preferences] = [v for v in envelope.substitutions.values() if "/preferences/" in v]
    opened = signer.read(Intent.PREFERENCES, preferences.rsplit("/", 1)[1])
    assert (opened.subject_id, opened.purpose) == (someone.subject_id, "all")
    with pytest.raises(InvalidToken):
        signer.read(Intent.PREFERENCES, token)
    assert envelope.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_groups_never_exceed_the_backend_limit() -> None:
    groups = composer().compose([person() for _ in range(2500)], max_envelopes=1000)

    assert [len(g.envelopes) for g in groups] == [1000, 1000, 500]


def test_a_template_that_fails_to_render_is_a_composition_error() -> None:
    run = composer({"ky": {**PLAIN, "text": "{{ ''.__class__.__mro__ }}"}})

    with pytest.raises(CompositionError, match="ky"):
        run.compose([person()])


def test_a_syntax_error_or_a_missing_default_locale_fails_at_once() -> None:
    with pytest.raises(CompositionError, match=r"ky\.html: line 1"):
        composer({"ky": {**PLAIN, "html": "{% if %}"}})
    with pytest.raises(CompositionError, match="default locale"):
        composer({"ru": PLAIN}, default_locale="ky")


def test_personalize_substitutes_once_and_leaves_other_text_alone() -> None:
    content = Content("Hi %%cs-name%%", "<p>%%cs-name-html%% 100%%</p>", "%%cs-name%%")
    envelope = Envelope(
        uuid.uuid4(),
        "a@example.kg",
        substitutions={"%%cs-name%%": "%%cs-name-html%%", "%%cs-name-html%%": "A&amp;B"},
    )

    assert personalize(content, envelope) == Content(
        "Hi %%cs-name-html%%", "<p>A&amp;B 100%%</p>", "%%cs-name-html%%"
    )
