"""Turning a run's templates into `Outgoing` groups, and the mailer's own emails (double
opt-in, preference-centre link).

A campaign template is the same for everyone of one locale except for three personal
values: the two link URLs and the name. Where a template only ever prints them as a plain
`{{ var }}`, the composer renders each part once per locale with placeholder strings and
hands every envelope its values as `substitutions`; SendGrid fills them in on its side and
the other backends with `personalize`. A million recipients then cost three renders per
locale instead of three million. Where a template does more with a personal value (`{% if
name %}`, a filter), that value is rendered for real, once per distinct value in a batch,
and recipients with identical output share one group (docs/email.md, decision 0009).

Every email is drawn inside a layout (decision 0032): the shop's name and logo above, and
below a footer with why the person gets it, both links and the shop's legal name and postal
address. A campaign's run brings its layout; without one, and for the mailer's own emails, it
is the default layout made of the brand settings. The layout's values go through the frame's
own templates, escaped, so no layout can drop the links or the shop's identity; the frame is
drawn by shared code (plumbing/templates/framing.py) that the console's preview uses too, so
a preview is the email as sent (decision 0036).

Campaign templates render in the renderer's child process, within its time, memory and size
budget; a message that would still come out too large once a recipient's values are filled
in is refused here. Either way the run fails with the reason (decision 0018).
"""

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from jinja2 import Template, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from mailer.domain.outgoing import Content, Envelope, Outgoing, Person
from mailer.domain.purpose_titles import TITLES
from mailer.translations import catalogue, translate
from plumbing.layouts import layout_versions, version_for
from plumbing.shop import Shop
from plumbing.templates.campaigns import PARTS, PERSONAL_VARIABLES, environment
from plumbing.templates.framing import framed, identified
from plumbing.templates.renderer import Part, RenderFailed, TemplateRenderer, shared_renderer
from plumbing.tokens import LinkSigner, preferences_url, unsubscribe_url
from plumbing.vocabulary import LOCALES

PLACEHOLDER_PREFIX = "%%cs-"
LINKS = ("unsubscribe_url", "preferences_url")
ONE_CLICK = "List-Unsubscribe=One-Click"
_TRANSPARENT = (nodes.Template, nodes.Output, nodes.If, nodes.For, nodes.With)
"""Nodes that pass an output through unchanged; a filter block or macro might not."""


class CompositionError(Exception):
    """A campaign's content cannot be rendered; the run should fail with this message."""


def placeholder(variable: str, *, html: bool = False) -> str:
    """The stand-in rendered for a personal value (`%%cs-name%%`, `%%cs-name-html%%`)."""
    return f"{PLACEHOLDER_PREFIX}{variable}{'-html' if html else ''}%%"


def personalize(content: Content, envelope: Envelope) -> Content:
    """Fill an envelope's placeholders into the content, as SendGrid would on its side.

    One pass over each part with one pattern, so a value that happens to look like a
    placeholder is never substituted again.
    """
    if not envelope.substitutions:
        return content
    pattern = _pattern(tuple(sorted(envelope.substitutions)))
    values = envelope.substitutions

    def fill(text: str) -> str:
        return pattern.sub(lambda match: values[match.group()], text)

    return Content(fill(content.subject), fill(content.html), fill(content.text))


@lru_cache(maxsize=64)
def _pattern(keys: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(key) for key in sorted(keys, key=len, reverse=True)))


@dataclass(frozen=True)
class _Part:
    source: str
    html: bool
    plain: frozenset[str]
    """Personal variables this part prints only as plain `{{ var }}` (or not at all)."""


@dataclass(frozen=True)
class _Rendered:
    content: Content
    keys: Mapping[str, tuple[str, bool, int]]
    """Placeholder tag -> (variable, HTML-escaped?, how often it occurs)."""
    size: int
    """Bytes of the three parts, placeholders included."""


@dataclass
class _Version:
    """One locale's templates and which personal values can be placeholders."""

    locale: str
    parts: Mapping[str, _Part]
    placeholders: frozenset[str]
    rendered: Content | None = None
    """The placeholder rendering, once made, when every personal value is a placeholder."""


class CampaignComposer:
    """Composes one run's emails; keep one per run so each locale is rendered once.

    `content` maps a locale to its `subject`, `html` and `text` templates, validated by the
    registry; a person whose locale has no version gets the default locale's. `renderer`
    renders them (the process's shared one by default; the sender passes its own).
    """

    def __init__(
        self,
        content: Mapping[str, Mapping[str, str]],
        default_locale: str,
        purpose: str,
        campaign_id: uuid.UUID,
        run_id: uuid.UUID,
        links: LinkSigner,
        public_base_url: str,
        shop: Shop,
        renderer: TemplateRenderer | None = None,
        layout: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        if default_locale not in content:
            raise CompositionError(
                f"the content has no version in the default locale {default_locale!r}"
            )
        self._default_locale = default_locale
        self._purpose = purpose
        self._links = links
        self._base_url = public_base_url.rstrip("/")
        self._ids = {"campaign_id": str(campaign_id), "run_id": str(run_id)}
        self._shop = shop
        self._layout = layout_versions(layout, shop)
        self._renderer = renderer or shared_renderer()
        self._versions = {locale: _compile(locale, parts) for locale, parts in content.items()}
        # A link only needs its own HTML placeholder if escaping could change it; the token
        # part is URL-safe base64, so only the configured base URL can contain `&` and co.
        self._html_keyed = {"name"} | (
            {*LINKS} if escape(self._base_url) != self._base_url else set()
        )

    def compose(self, people: Sequence[Person], *, max_envelopes: int = 1000) -> list[Outgoing]:
        """The run's emails for these people: one group per locale and content, each of at
        most `max_envelopes` envelopes (the backend's limit); a group keeps people's order.
        """
        by_locale: dict[str, list[Person]] = {}
        for person in people:
            locale = person.locale if person.locale in self._versions else self._default_locale
            by_locale.setdefault(locale, []).append(person)
        groups: list[Outgoing] = []
        for locale, members in by_locale.items():
            for content, envelopes in self._compose_locale(self._versions[locale], members):
                for start in range(0, len(envelopes), max_envelopes):
                    groups.append(Outgoing(content, envelopes[start : start + max_envelopes]))
        return groups

    def _compose_locale(
        self, version: _Version, people: list[Person]
    ) -> Iterator[tuple[Content, list[Envelope]]]:
        real = sorted(PERSONAL_VARIABLES - version.placeholders)
        valued = [(person, self._values(person)) for person in people]
        distinct = list(dict.fromkeys(tuple(values[name] for name in real) for _, values in valued))
        rendered = self._render(version, [dict(zip(real, key, strict=True)) for key in distinct])
        renders = dict(zip(distinct, rendered, strict=True))
        groups: dict[Content, list[Envelope]] = {}
        for person, values in valued:
            render = renders[tuple(values[name] for name in real)]
            substitutions = {
                tag: str(escape(values[name])) if html else values[name]
                for tag, (name, html, _) in render.keys.items()
            }
            self._check_size(version.locale, render, substitutions)
            envelope = self._envelope(person, values, substitutions)
            groups.setdefault(render.content, []).append(envelope)
        yield from groups.items()

    def _render(self, version: _Version, reals: list[dict[str, str]]) -> list[_Rendered]:
        """One rendering per entry of `reals`, with its real values for those variables and
        placeholders for the rest; each notes which placeholders it holds and its size."""
        if reals == [{}] and version.rendered is not None:
            contents = [version.rendered]
        else:
            contents = self._render_parts(version, [self._contexts(version, r) for r in reals])
            if reals == [{}]:
                version.rendered = contents[0]
        return [self._measured(version, content) for content in contents]

    def _contexts(
        self, version: _Version, real: Mapping[str, str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The text and HTML parts' variables."""
        text_context = {"locale": version.locale, **real}
        html_context = {"locale": version.locale, **real}
        for name in version.placeholders:
            text_context[name] = placeholder(name)
            # Placeholders are made of characters escaping leaves alone.
            html_context[name] = placeholder(name, html=name in self._html_keyed)
        return text_context, html_context

    def _render_parts(
        self, version: _Version, contexts: list[tuple[dict[str, str], dict[str, str]]]
    ) -> list[Content]:
        """Every message in one request to the renderer (a batch's distinct renders)."""
        parts = [version.parts[name] for name in PARTS]
        try:
            rendered = self._renderer.render_many(
                [
                    [Part(p.source, p.html, html if p.html else text) for p in parts]
                    for text, html in contexts
                ]
            )
        except RenderFailed as failure:
            where = version.locale
            if failure.part is not None:
                where += f".{PARTS[failure.part]}"
            raise CompositionError(f"{where}: {failure.reason}") from None
        return [
            self._finished(version, subject, html, text, pair)
            for (subject, html, text), pair in zip(rendered, contexts, strict=True)
        ]

    def _finished(
        self,
        version: _Version,
        subject: str,
        html: str,
        text: str,
        pair: tuple[dict[str, str], dict[str, str]],
    ) -> Content:
        """The content inside the layout's header and footer (which always carries both
        links), and the subject on one line."""
        text_context, html_context = pair
        layout = version_for(self._layout, version.locale, self._default_locale)
        html, text = framed(
            version.locale, layout, self._shop, (html, text), (html_context, text_context)
        )
        return Content(" ".join(subject.split()), html, text)

    @staticmethod
    def _measured(version: _Version, content: Content) -> _Rendered:
        every = content.subject + content.html + content.text
        keys = {
            tag: (name, html, every.count(tag))
            for name in version.placeholders
            for html in (False, True)
            if (tag := placeholder(name, html=html)) in every
        }
        return _Rendered(content, keys, len(every.encode("utf-8", "surrogatepass")))

    def _check_size(
        self, locale: str, rendered: _Rendered, substitutions: Mapping[str, str]
    ) -> None:
        """Refuse a message that its recipient's values make too large: each placeholder
        is replaced as often as it occurs (by SendGrid, or by `personalize`)."""
        size = rendered.size
        for tag, (_, _, times) in rendered.keys.items():
            size += times * (len(substitutions[tag].encode("utf-8", "surrogatepass")) - len(tag))
        if size > self._renderer.max_bytes:
            raise CompositionError(
                f"{locale}: a recipient's message would be {size:,} bytes, more than the "
                f"{self._renderer.max_bytes:,} allowed"
            )

    def _values(self, person: Person) -> dict[str, str]:
        unsubscribe = self._links.unsubscribe_token(person.subject_id, self._purpose)
        preferences = self._links.preferences_token(person.subject_id)
        return {
            "unsubscribe_url": unsubscribe_url(self._base_url, unsubscribe),
            "preferences_url": preferences_url(self._base_url, preferences),
            "name": " ".join((person.name or "").split()),
        }

    def _envelope(
        self, person: Person, values: Mapping[str, str], substitutions: Mapping[str, str]
    ) -> Envelope:
        return Envelope(
            subject_id=person.subject_id,
            address=person.address,
            substitutions=substitutions,
            headers={
                "List-Unsubscribe": f"<{values['unsubscribe_url']}>",
                "List-Unsubscribe-Post": ONE_CLICK,
            },
            custom_args={**self._ids, "subject_id": str(person.subject_id)},
        )


def _compile(locale: str, sources: Mapping[str, str]) -> _Version:
    parts = {}
    for part in PARTS:
        source = sources.get(part, "")
        env = environment(html=part == "html")
        try:
            tree = env.parse(source)
        except TemplateSyntaxError as error:
            raise CompositionError(
                f"{locale}.{part}: line {error.lineno}: {error.message}"
            ) from None
        plain = _plain_variables(tree) if PLACEHOLDER_PREFIX not in source else frozenset()
        parts[part] = _Part(
            source=source,
            html=part == "html",
            plain=plain,
        )
    placeholders = frozenset.intersection(*(p.plain for p in parts.values()))
    return _Version(locale, parts, placeholders)


def _plain_variables(tree: nodes.Template) -> frozenset[str]:
    """Personal variables that appear only as `{{ var }}` directly in the template's flow."""
    spoiled: set[str] = set()

    def visit(node: nodes.Node, transparent: bool) -> None:
        for child in node.iter_child_nodes():
            if isinstance(child, nodes.Name) and child.name in PERSONAL_VARIABLES:
                printed = transparent and isinstance(node, nodes.Output) and child.ctx == "load"
                if not printed:
                    spoiled.add(child.name)
            visit(child, transparent and isinstance(child, _TRANSPARENT))

    visit(tree, True)
    return frozenset(PERSONAL_VARIABLES - spoiled)


def _named(shop: Shop) -> dict[str, str]:
    """What the mailer's own templates know of the shop: who writes, whom to ask, and the
    legal identity that closes every email."""
    return {
        "shop_name": shop.name,
        "shop_contact": shop.contact,
        "legal_name": shop.legal_name,
        "postal_address": shop.postal_address,
    }


def confirmation_email(
    subject_id: uuid.UUID,
    address: str,
    locale: str,
    default_locale: str,
    confirm_url: str,
    purposes: Sequence[str],
    shop: Shop,
) -> Outgoing:
    """The double opt-in email: transactional, so no List-Unsubscribe and no campaign ids.

    It names the shop and the purposes waiting for confirmation in the person's language,
    so that the confirmation is specific (GDPR Art. 4(11)), and carries the registry's
    confirm link.
    """
    locale = locale if locale in LOCALES else default_locale
    context = {
        "confirm_url": confirm_url,
        "purposes": [
            translate(locale, TITLES[purpose]) if purpose in TITLES else purpose
            for purpose in dict.fromkeys(purposes)
        ],
        "locale": locale,
        **_named(shop),
    }
    subject, text, html = (
        _own_template(locale, f"confirmation/{part}").render(context)
        for part in ("subject.txt", "body.txt", "body.html")
    )
    html, text = identified(locale, html, text, shop)
    envelope = Envelope(
        subject_id=subject_id, address=address, custom_args={"subject_id": str(subject_id)}
    )
    return Outgoing(
        Content(" ".join(subject.split()), html, text), [envelope], category="confirmation"
    )


def preferences_link_email(
    subject_id: uuid.UUID,
    address: str,
    locale: str,
    default_locale: str,
    preferences_url: str,
    shop: Shop,
) -> Outgoing:
    """The email with a new preference-centre link, asked for on the unsubscribe page.

    Transactional like the confirmation: the person asked for it, whatever their consents.
    """
    locale = locale if locale in LOCALES else default_locale
    context = {"preferences_url": preferences_url, "locale": locale, **_named(shop)}
    subject, text, html = (
        _own_template(locale, f"preferences/{part}").render(context)
        for part in ("subject.txt", "body.txt", "body.html")
    )
    html, text = identified(locale, html, text, shop)
    envelope = Envelope(
        subject_id=subject_id, address=address, custom_args={"subject_id": str(subject_id)}
    )
    return Outgoing(
        Content(" ".join(subject.split()), html, text), [envelope], category="preferences"
    )


@cache
def _own_template(locale: str, path: str) -> Template:
    """One of the mailer's own templates (`mailer/templates/`), speaking `locale`.

    There is one template per email part; its words come from the mailer's catalogue
    through Jinja2's i18n extension. Compiled once per locale and kept, because the footer
    is rendered for every batch of a run.
    """
    source = resources.files("mailer").joinpath("templates", *path.split("/")).read_text("utf-8")
    return _environment(locale, html=path.endswith(".html")).from_string(source)


@cache
def _environment(locale: str, *, html: bool) -> SandboxedEnvironment:
    env = environment(html=html)
    env.add_extension("jinja2.ext.i18n")
    # The i18n extension adds this method to the environment when it is added, unseen by mypy.
    env.install_gettext_translations(catalogue(locale), newstyle=True)  # type: ignore[attr-defined]
    return env
