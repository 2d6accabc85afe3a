"""The frame every email is drawn in: a layout's header above the content and its footer below.

A campaign email is the campaign's rendered content inside its layout (decision 0032): the
shop's name and logo above; below, why the person gets the email, the unsubscribe and
preference links, whom to ask about personal data, the legal name and the postal address.
The mailer frames what it sends and the console frames a campaign's preview, both with this
module, its templates (`plumbing/templates/frame/`) and its catalogue
(`plumbing/translations/`), so a preview is byte for byte the email a person gets
(decision 0036).

The frame's templates are ours, not marketing's: they run in the calling process, not in the
renderer's child, and place the layout's values escaped, so no layout can drop the links or
the shop's identity. The links are whatever the caller gives: the mailer's placeholders
(filled in per recipient later) or real values; the HTML part escapes them either way.
"""

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources

from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment

from plumbing.layouts import LayoutVersion, default_version
from plumbing.shop import Shop
from plumbing.templates.campaigns import environment
from plumbing.translations import catalogue

_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def frame_values(layout: LayoutVersion, shop: Shop) -> dict[str, str]:
    """The values of a layout's header and footer; whom to ask about data is the shop's."""
    return {**layout.to_json(), "shop_contact": shop.contact}


def framed(
    locale: str,
    layout: LayoutVersion,
    shop: Shop,
    content: tuple[str, str],
    links: tuple[Mapping[str, str], Mapping[str, str]],
) -> tuple[str, str]:
    """A campaign's rendered `(html, text)` inside `layout`'s header and footer, in `locale`.

    `links` holds the HTML and the text part's `unsubscribe_url` and `preferences_url` (the
    same values, or each part's own placeholders); the footer always carries both.
    """
    html, text = content
    html_links, text_links = links
    frame = frame_values(layout, shop)
    header = _template(locale, "header.txt").render(frame)
    footer = _template(locale, "footer.txt").render({**_links(text_links), **frame})
    text = header.strip() + "\n\n" + text.strip("\n") + "\n\n" + footer.strip("\n") + "\n"
    header = _template(locale, "header.html").render(frame)
    footer = _template(locale, "footer.html").render({**_links(html_links), **frame})
    return _before_body_end(_after_body_start(html, header), footer), text


def identified(locale: str, html: str, text: str, shop: Shop) -> tuple[str, str]:
    """A transactional email inside the default layout: the shop's name above, its legal
    name and postal address below (no unsubscribe link: the person asked for this email)."""
    frame = frame_values(default_version(shop), shop)
    header = _template(locale, "header.txt").render(frame).strip()
    identity = _template(locale, "identity.txt").render(frame).strip()
    text = header + "\n\n" + text.strip("\n") + ("\n\n" + identity if identity else "") + "\n"
    header = _template(locale, "header.html").render(frame)
    identity = _template(locale, "identity.html").render(frame)
    return _before_body_end(_after_body_start(html, header), identity), text


def _links(values: Mapping[str, str]) -> dict[str, str]:
    return {name: values[name] for name in ("unsubscribe_url", "preferences_url")}


def _after_body_start(html: str, header: str) -> str:
    found = _BODY_START.search(html)
    if found is None:
        return header + "\n" + html
    return html[: found.end()] + header + html[found.end() :]


def _before_body_end(html: str, footer: str) -> str:
    end = html.lower().rfind("</body>")
    if end == -1:
        return html.rstrip("\n") + "\n" + footer
    return html[:end] + footer + html[end:]


@cache
def _template(locale: str, name: str) -> Template:
    """One of the frame's templates speaking `locale`, compiled once per locale and kept:
    the footer is rendered for every batch of a run."""
    source = resources.files("plumbing").joinpath("templates", "frame", name).read_text("utf-8")
    return _environment(locale, html=name.endswith(".html")).from_string(source)


@cache
def _environment(locale: str, *, html: bool) -> SandboxedEnvironment:
    env = environment(html=html)
    env.add_extension("jinja2.ext.i18n")
    # The i18n extension adds this method to the environment when it is added, unseen by mypy.
    env.install_gettext_translations(catalogue(locale), newstyle=True)  # type: ignore[attr-defined]
    return env
