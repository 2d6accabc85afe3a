"""Campaign email templates: the Jinja2 sandbox both parts use, and what a valid one is.

The registry validates a campaign's content when it is created and the mailer renders it
when it sends; both must agree on the environment, the variables and the budgets, so all
live here. Templates run in Jinja2's sandbox (marketing writes them, not developers), with
nothing evaluated while compiling (plumbing/templates/sandbox.py); undefined names are errors
rather than empty strings, and the HTML part is autoescaped. Rendering happens in a child
process within a time, memory and size budget (plumbing/templates/renderer.py, decision 0018);
validation renders each version once there with sample values, so that a template that
cannot be rendered within the budget is refused at creation rather than at the first run.
"""

from collections.abc import Mapping

from jinja2 import StrictUndefined, TemplateSyntaxError

from plumbing.templates.renderer import Part, RenderFailed, TemplateRenderer, shared_renderer
from plumbing.templates.sandbox import TemplateSandbox, undeclared_variables
from plumbing.vocabulary import LOCALES

PARTS = ("subject", "html", "text")

PERSONAL_VARIABLES = frozenset({"unsubscribe_url", "preferences_url", "name"})
"""Different for every recipient."""

RUN_VARIABLES = frozenset({"locale"})
"""The same for every recipient of one locale in one run."""

VARIABLES = PERSONAL_VARIABLES | RUN_VARIABLES
"""Every name a template may use (documented in docs/email.md)."""

SAMPLE_VALUES = {
    "unsubscribe_url": "https://consent.example.kg/u/" + "x" * 160,
    "preferences_url": "https://consent.example.kg/preferences/" + "x" * 160,
    "name": "Айгүл Бакытбековна Осмонова",
}
"""What validation renders with: as long as real values usually are."""


def environment(*, html: bool) -> TemplateSandbox:
    """A sandboxed environment; the HTML part autoescapes, the subject and text do not."""
    return TemplateSandbox(
        undefined=StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
    )


def content_errors(
    content: Mapping[str, Mapping[str, str]],
    default_locale: str,
    renderer: TemplateRenderer | None = None,
) -> dict[str, list[str]]:
    """Problems with a campaign's content, keyed by where they are (`ky.html`); {} if none.

    A syntax error names its line; an unknown variable is named with the ones allowed; the
    default locale must have a version because every recipient may fall back to it. A
    version whose templates are sound is rendered once with sample values (by `renderer`,
    the process's shared one by default): one that fails, takes too long or comes out too
    large is refused with the reason.
    """
    errors: dict[str, list[str]] = {}
    if default_locale not in content:
        errors[default_locale] = [f"a version in the default locale {default_locale!r} is required"]
    for locale, parts in content.items():
        if locale not in LOCALES:
            errors[locale] = [f"unknown locale; use one of {', '.join(LOCALES)}"]
            continue
        found = {}
        for part in PARTS:
            problem = template_error(parts.get(part, ""), html=part == "html")
            if problem:
                found[f"{locale}.{part}"] = [problem]
        errors |= found or _trial_render(locale, parts, renderer or shared_renderer())
    return errors


def template_error(source: str, *, html: bool) -> str | None:
    """Why this template cannot be rendered, or None."""
    env = environment(html=html)
    try:
        unknown = sorted(undeclared_variables(env.parse(source)) - VARIABLES)
    except TemplateSyntaxError as error:  # also what the compiler asserts
        return f"line {error.lineno}: {error.message}"
    if unknown:
        allowed = ", ".join(sorted(VARIABLES))
        return f"undefined variable(s) {', '.join(unknown)}; templates may use {allowed}"
    return None


def _trial_render(
    locale: str, parts: Mapping[str, str], renderer: TemplateRenderer
) -> dict[str, list[str]]:
    context = {**SAMPLE_VALUES, "locale": locale}
    try:
        renderer.render([Part(parts.get(p, ""), p == "html", context) for p in PARTS])
    except RenderFailed as failure:
        where = locale if failure.part is None else f"{locale}.{PARTS[failure.part]}"
        return {where: [f"cannot be rendered: {failure.reason}"]}
    return {}


def render_version(
    locale: str,
    parts: Mapping[str, str],
    values: Mapping[str, str],
    renderer: TemplateRenderer | None = None,
) -> tuple[str, str, str]:
    """One locale's subject, HTML and text rendered for one recipient's `values`, in the same
    sandbox and within the same budgets as a run (the console's preview; the mailer's composer
    renders the same `Part`s for a whole run). The subject comes on one line, as sent.
    RenderFailed says which part failed, as for a run."""
    context = {**values, "locale": locale}
    subject, html, text = (renderer or shared_renderer()).render(
        [Part(parts.get(part, ""), part == "html", context) for part in PARTS]
    )
    return " ".join(subject.split()), html, text
