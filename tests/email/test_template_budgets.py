"""Templates marketing writes cannot make validation or rendering compute without limit.

Validation compiles a template and evaluates none of its expressions; rendering runs in a
child process within a time, memory and size budget, and a refusal names the part and why.
"""

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

import jinja2.defaults
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.domain.outgoing import Person
from mailer.services.compose import CompositionError
from plumbing.templates.campaigns import SAMPLE_VALUES, content_errors, template_error
from plumbing.templates.renderer import Part, RenderFailed, TemplateRenderer
from tests.email.factories import PLAIN, composer


@pytest.fixture(scope="module")
def quick() -> Iterator[TemplateRenderer]:
    """A renderer with small budgets, so that hostile templates are refused fast."""
    renderer = TemplateRenderer(seconds=0.5, max_bytes=200_000)
    yield renderer
    renderer.close()


NUMBERS = st.sampled_from([0, 2, 9, 99, 10**5, 10**6, 10**9, 10**18])
LITERALS = st.one_of(NUMBERS.map(str), st.sampled_from(["'x'", "'abc'", "[1, 2]", "(1,)", "'%s'"]))


def constant_expressions() -> st.SearchStrategy[str]:
    """Expressions made only of literals: what Jinja2's compiler would fold in advance."""
    return st.recursive(
        LITERALS,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["*", "**", "+", "%", "//", "-"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(inner, st.sampled_from(["center", "indent", "truncate"]), NUMBERS).map(
                lambda t: f"({t[0]}|string|{t[1]}({t[2]}))"
            ),
            st.tuples(inner, inner).map(lambda t: f"[{t[0]}, {t[1]}]|join({t[0]}|string)"),
        ),
        max_leaves=6,
    )


@settings(max_examples=200, deadline=None)
@given(constant_expressions())
def test_validation_evaluates_no_expression_of_the_template(expression: str) -> None:
    """Jinja2 folds constants while compiling; a probe filter on a constant expression shows
    whether anything of the template ran while it was validated."""
    calls: list[object] = []
    with mock.patch.dict(jinja2.defaults.DEFAULT_FILTERS, probe=calls.append):
        for html in (False, True):
            assert template_error(f"{{{{ ({expression})|probe }}}}", html=html) is None
    assert calls == []


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ 'x' * 10**9 }}", "longer than 1,000,000"),
        ("{{ 10**(10**6) }}", "too large a number"),
        ("{{ 'x'|center(900000000) }}", "MB of memory"),
        ("{% for i in range(99999) %}{{ unsubscribe_url }}{% endfor %}", "larger than 200,000"),
        ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", "0.5 s"),
    ],
)
def test_a_template_beyond_a_budget_is_refused_with_the_part_and_the_reason(
    quick: TemplateRenderer, source: str, reason: str
) -> None:
    errors = content_errors({"ky": {**PLAIN, "html": source}}, "ky", quick)

    [message] = errors["ky.html"]
    assert message.startswith("cannot be rendered:")
    assert reason in message


def test_the_renderer_goes_on_after_a_render_it_had_to_stop(quick: TemplateRenderer) -> None:
    endless = "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}"
    with pytest.raises(RenderFailed) as stopped:
        quick.render([Part("a", False, {}), Part(endless, False, {})])
    assert stopped.value.part == 1

    assert quick.render([Part("{{ name }}!", False, {"name": "Aigul"})]) == ["Aigul!"]


def test_a_sound_template_is_accepted_and_rendered_as_before(quick: TemplateRenderer) -> None:
    content = {"ky": PLAIN, "ru": {**PLAIN, "subject": "{% if name %}{{ name }}{% endif %}"}}

    assert content_errors(content, "ky", quick) == {}
    rendered = quick.render([Part(PLAIN["text"], False, {**SAMPLE_VALUES, "locale": "ky"})])
    assert rendered == [
        f"Hello {SAMPLE_VALUES['name']}\nOut: {SAMPLE_VALUES['unsubscribe_url']}\n"
        f"Prefs: {SAMPLE_VALUES['preferences_url']}\n"
    ]


BLOCKS = st.sampled_from(
    [
        "{{ 'x' * N }}",
        "{{ N ** N }}",
        "{{ 'ab'|center(N) }}",
        "{{ name * N }}",
        "{{ range(N)|list }}",
        "{{ ('x' ~ name)|indent(N) }}",
        "{% for i in range(N) %}BODY{% endfor %}",
        "{% for i in range(N) %}{% if i < 0 %}BODY{% endif %}{% endfor %}",
        "{% set ns = namespace(s='ab') %}{% for i in range(N) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        "{% macro m(n) %}{{ m(n) }}BODY{% endmacro %}{{ m(1) }}",
        "{{ unsubscribe_url.replace('', name * N) }}",
    ]
)


@st.composite
def hostile_templates(draw: Callable[..., object]) -> str:
    """Templates built from the usual ways of making a lot out of a little, nested."""
    source = "BODY"
    for _ in range(draw(st.integers(1, 3))):
        source = source.replace("BODY", str(draw(BLOCKS)), 1)
    while "N" in source:
        source = source.replace("N", str(draw(NUMBERS)), 1)
    return source.replace("BODY", "{{ name }}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_templates(), st.sampled_from(["subject", "html", "text"]))
def test_validation_of_a_hostile_template_answers_within_its_budget(
    quick: TemplateRenderer, source: str, part: str
) -> None:
    started = time.monotonic()

    errors = content_errors({"ky": {**PLAIN, part: source}}, "ky", quick)

    assert time.monotonic() - started < 15, "validation did not keep to its budget"
    assert set(errors) <= {f"ky.{part}"}
    if not errors:
        quick.render([Part(source, part == "html", {**SAMPLE_VALUES, "locale": "ky"})])


def person_named(name: str) -> Person:
    return Person(uuid.uuid4(), f"r{uuid.uuid4().hex[:8]}@example.kg", "ky", name)


def test_a_template_that_a_recipient_s_name_makes_endless_fails_at_run_time(
    quick: TemplateRenderer,
) -> None:
    slow_for_long_names = (
        "{% if name|length > 40 %}{% for i in range(99999) %}{% for j in range(99999) %}"
        "{% endfor %}{% endfor %}{% endif %}Hello"
    )
    content = {"ky": {**PLAIN, "text": slow_for_long_names}}
    assert content_errors(content, "ky", quick) == {}
    run = composer(content, renderer=quick)

    run.compose([person_named("Aigul")])
    with pytest.raises(CompositionError, match=r"^ky\.text: rendering took longer than 0\.5 s$"):
        run.compose([person_named("Aigul " * 10)])


def test_a_message_that_a_recipient_s_name_makes_too_large_fails_at_run_time(
    quick: TemplateRenderer,
) -> None:
    """`{{ name }}` stays a placeholder until SendGrid or `personalize` fills it in, so the
    size of what each recipient would get is checked apart from the render."""
    many_names = "{% for i in range(2000) %}{{ name }} {% endfor %}{{ unsubscribe_url }}"
    content = {"ky": {**PLAIN, "text": many_names}}
    assert content_errors(content, "ky", quick) == {}
    run = composer(content, renderer=quick)

    run.compose([person_named("Aigul")])
    with pytest.raises(CompositionError, match=r"^ky: a recipient's message would be [\d,]+ bytes"):
        run.compose([person_named("Айгүл" * 40)])


def test_many_messages_come_back_in_order_over_as_many_answers_as_they_need() -> None:
    renderer = TemplateRenderer(answer_bytes=100)
    try:
        names = [f"{n}" * 30 for n in range(10)]
        messages = [[Part("Hi {{ name }}", False, {"name": name})] for name in names]

        assert renderer.render_many(messages) == [[f"Hi {name}"] for name in names]
    finally:
        renderer.close()


def renderer_environments() -> list[bytes]:
    """The environment of each renderer child of this process, from /proc."""
    children = []
    for task in Path("/proc/self/task").iterdir():
        children += (task / "children").read_text().split()
    found = []
    for pid in children:
        with contextlib.suppress(FileNotFoundError):
            if b"plumbing.templates.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(Path(f"/proc/{pid}/environ").read_bytes())
    return found


def test_the_renderer_child_is_given_no_secret_of_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONSENT_SECRET_KEY", "not-for-templates")
    renderer = TemplateRenderer()
    try:
        assert renderer.render([Part("{{ locale }}", False, {"locale": "ky"})]) == ["ky"]
        environments = renderer_environments()
    finally:
        renderer.close()

    assert environments
    assert not any(b"not-for-templates" in environment for environment in environments)
