"""Rendering benchmark: what composing a batch and validating a campaign cost (decision 0018).

A 35 KB newsletter, batches of 1000 recipients of one locale, composed by the mailer's own
`CampaignComposer`; validated by the registry's own `content_errors`. It uses only what
existed before the render budgets, so the same script measures a checkout from before them
(one where compositions already name the shop, `plumbing/shop.py`):

    .venv/bin/python bench/rendering.py [--repeat 7]
    PYTHONPATH=<older checkout> .venv/bin/python bench/rendering.py

Prints the best and the median of `--repeat` runs of each, in milliseconds.
"""

import argparse
import time
import uuid
from collections.abc import Callable

from mailer.domain.outgoing import Person
from mailer.services.compose import CampaignComposer
from plumbing.shop import shop_from_env
from plumbing.templates.campaigns import content_errors
from plumbing.tokens import LinkSigner

from support.timing import repeated

FILLER = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>" * 400
LINKS = '<a href="{{ unsubscribe_url }}">out</a> <a href="{{ preferences_url }}">prefs</a>'
PLAIN = {
    "subject": "News for {{ name }}",
    "html": f"<html><body>{FILLER}<p>Hello {{{{ name }}}}</p>{LINKS}</body></html>",
    "text": "Hello {{ name }}\n" + "Lorem ipsum dolor sit amet.\n" * 400 + "{{ unsubscribe_url }}",
}
PER_NAME = {**PLAIN, "subject": "{% if name %}News for {{ name }}{% else %}News{% endif %}"}


def composer(content: dict[str, str]) -> CampaignComposer:
    return CampaignComposer(
        {"ky": content},
        "ky",
        "newsletters",
        uuid.uuid4(),
        uuid.uuid4(),
        LinkSigner("bench-secret"),
        "https://consent.example.kg",
        shop_from_env({}),
    )


def measure(label: str, work: Callable[[], object], repeat: int) -> None:
    timings = repeated(work, repeat)
    best, median = timings.best * 1000, timings.median * 1000
    print(f"{label:<60} best {best:8.1f} ms   median {median:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    batch = [Person(uuid.uuid4(), f"r{n}@example.kg", "ky", f"Name {n}") for n in range(1000)]
    started = time.perf_counter()
    composer(PLAIN).compose(batch[:1])
    print(
        f"{'first composition (starts the renderer, if there is one)':<60} "
        f"{(time.perf_counter() - started) * 1000:8.1f} ms"
    )
    kept = composer(PLAIN)
    measure(
        "plain {{ name }}: a batch, new composer",
        lambda: composer(PLAIN).compose(batch),
        args.repeat,
    )
    measure(
        "plain {{ name }}: a batch, the run's composer", lambda: kept.compose(batch), args.repeat
    )
    measure(
        "{% if name %}: a batch of 1000 names",
        lambda: composer(PER_NAME).compose(batch),
        args.repeat,
    )
    measure("validating one version", lambda: content_errors({"ky": PLAIN}, "ky"), args.repeat)


if __name__ == "__main__":
    main()
