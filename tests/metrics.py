"""Reading Prometheus text as Prometheus would: with prometheus_client's own parser."""

import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def scraped(text: str) -> dict[str, float]:
    """Each unlabelled sample's value by name; labelled samples by `name{k="v",...}`."""
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return values


def sample_names(text: str) -> set[str]:
    """The name of every sample in the text (`_total`, `_bucket`, ... included)."""
    return {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    }


def fetch(url: str) -> str:
    """One scrape of a metrics endpoint."""
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.read().decode()
