"""Direct transfers' rules: which URLs may receive data, the signature, retries."""

import hashlib
import hmac
from datetime import timedelta

import pytest

from consent_service.domain.transfers import (
    MAX_ATTEMPTS,
    InvalidRecipient,
    Verdict,
    check_name,
    retry_delay,
    signature,
    url_refusal,
    verdict,
)


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example.kg/import",
        "https://crm.example.kg:8443/hooks/consent?from=shop",
        "http://127.0.0.1:9000/receive",
        "http://127.8.0.1/receive",
        "http://[::1]:9000/receive",
        "http://localhost:9000/receive",
    ],
)
def test_https_anywhere_and_http_to_loopback_are_allowed_in_development(url: str) -> None:
    assert url_refusal(url, production=False) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://crm.example.kg/import",
        "http://10.0.0.5/import",
        "http://192.168.1.10:8080/import",
        "ftp://crm.example.kg/import",
        "file:///etc/passwd",
        "https://",
        "crm.example.kg/import",
        "https://user:password@crm.example.kg/import",
        "https://crm.example.kg/import#part",
        "https://crm.example.kg:99999/import",
        "https://crm.example.kg:0/import",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    assert url_refusal(url, production=False) is not None


def test_plain_http_even_to_loopback_is_refused_in_production() -> None:
    assert url_refusal("http://127.0.0.1:9000/receive", production=True) is not None
    assert url_refusal("https://crm.example.kg/import", production=True) is None


@pytest.mark.parametrize("name", ["", "-crm", "crm shop", "crm/other", "x" * 101, "ацк"])
def test_recipient_names_are_plain_words(name: str) -> None:
    with pytest.raises(InvalidRecipient):
        check_name(name)


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"subject": {"email": "aigul@example.kg"}}'
    expected = hmac.new(b"s3cret", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", 1767225600, body) == f"sha256={expected}"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, Verdict.DELIVERED),
        (202, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (None, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
        (429, Verdict.RETRY),
        (408, Verdict.RETRY),
        (301, Verdict.FAILED),
        (302, Verdict.FAILED),
        (307, Verdict.FAILED),
        (400, Verdict.FAILED),
        (401, Verdict.FAILED),
        (404, Verdict.FAILED),
    ],
)
def test_only_2xx_delivers_and_only_passing_failures_are_retried(
    status: int | None, expected: Verdict
) -> None:
    assert verdict(status) is expected


def test_retries_back_off_exponentially_and_stop() -> None:
    delays = [retry_delay(n) for n in range(1, MAX_ATTEMPTS + 1)]
    assert delays[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert all(d is not None and d <= timedelta(minutes=15) for d in delays[:-1])
    assert delays[-1] is None
