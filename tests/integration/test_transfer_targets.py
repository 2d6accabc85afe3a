"""Where a direct transfer may go in production: only to public addresses, checked after DNS
resolution when a recipient is registered and again before every attempt, and the connection
pinned to the address that was checked (DNS rebinding cannot reach an internal host)."""

import ipaddress
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent_service.adapters.repository import SqlRepository
from consent_service.adapters.transfer_client import HttpPoster, SystemResolver
from consent_service.domain.transfers import InvalidRecipient
from consent_service.services.transfers import register_recipient
from tests.integration.test_export_cli import PRODUCTION
from tests.integration.test_export_transfers import (
    Clock,
    StandInMailer,
    request,
    transfer,
    worker_for,
)
from tests.processes import consent_cli
from tests.tls import Authority, certificate_authority
from tests.transfer_recipient import Recipient

INTERNAL_IPV4 = [
    "0.0.0.0/8",  # this network; 0.0.0.0 unspecified
    "10.0.0.0/8",
    "100.64.0.0/10",  # shared address space (carrier NAT)
    "127.0.0.0/8",
    "169.254.0.0/16",  # link-local, cloud metadata at 169.254.169.254
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, broadcast
]
INTERNAL_IPV6 = ["::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8"]
PUBLIC_IPV4 = ["8.0.0.0/8", "93.184.0.0/16", "185.0.0.0/8"]
PUBLIC_IPV6 = ["2a00::/12", "2001:4860::/32"]


def addresses_in(networks: list[str]) -> st.SearchStrategy:
    def pick(network: str) -> st.SearchStrategy:
        net = ipaddress.ip_network(network)
        offsets = st.integers(0, net.num_addresses - 1)
        return offsets.map(lambda offset: net.network_address + offset)

    return st.sampled_from(networks).flatmap(pick)


def ipv4_spellings(ip: ipaddress.IPv4Address) -> st.SearchStrategy[str]:
    """The ways a URL's host can spell an IPv4 address that the resolver understands."""
    a, b, c, d = ip.packed
    number = int(ip)
    return st.sampled_from(
        [
            str(ip),
            str(number),
            hex(number),
            f"0{a:o}.0{b:o}.0{c:o}.0{d:o}",
            f"{a}.{number & 0xFFFFFF}",
            f"{a}.{b}.{number & 0xFFFF}",
            f"[::ffff:{ip}]",
            f"[{ipaddress.IPv6Address(f'::ffff:{ip}').compressed}]",
            f"[64:ff9b::{ip}]",
            f"[2002:{number >> 16:x}:{number & 0xFFFF:x}::1]",
        ]
    )


def ipv6_spellings(ip: ipaddress.IPv6Address) -> st.SearchStrategy[str]:
    return st.sampled_from([f"[{ip.compressed}]", f"[{ip.exploded}]", f"[{ip.compressed.upper()}]"])


def hosts(v4: list[str], v6: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        addresses_in(v4).flatmap(ipv4_spellings), addresses_in(v6).flatmap(ipv6_spellings)
    )


def url_with(host: str) -> st.SearchStrategy[str]:
    ports = st.sampled_from(["", ":443", ":5432", ":8443"])
    paths = st.sampled_from(["/", "/latest/meta-data/", "/import?x=1"])
    return st.tuples(ports, paths).map(lambda tail: f"https://{host}{tail[0]}{tail[1]}")


def registered(app) -> list[str]:
    with app.extensions["consent.sessions"]() as session:
        return [row.name for row in SqlRepository(session).transfers.recipients()]


def register(app, name: str, url: str, *, production: bool = True) -> str:
    with app.extensions["consent.sessions"]() as session, session.begin():
        return register_recipient(
            SqlRepository(session),
            name,
            url,
            production=production,
            now=datetime.now(UTC),
            resolver=SystemResolver(),
        )


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hosts(INTERNAL_IPV4, INTERNAL_IPV6).flatmap(url_with))
def test_no_spelling_of_an_internal_address_can_be_registered_in_production(app, url) -> None:
    with pytest.raises(InvalidRecipient, match="transfers go only to public addresses"):
        register(app, "crm", url)
    assert registered(app) == []


_names = itertools.count()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hosts(PUBLIC_IPV4, PUBLIC_IPV6).flatmap(url_with))
def test_a_public_address_is_registered_in_production(app, url) -> None:
    name = f"crm{next(_names)}"
    assert register(app, name, url)
    assert name in registered(app)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://127.0.0.1:5432/", "loopback"),
        ("https://localhost:8443/import", "localhost resolves to 127.0.0.1 is a loopback"),
        ("https://[::ffff:10.1.2.3]/", "private"),
    ],
)
def test_recipients_add_refuses_an_internal_target_in_production(app, environ, url, reason) -> None:
    added = consent_cli(environ | PRODUCTION, "recipients", "add", "crm", url)
    assert added.returncode != 0
    assert reason in added.stderr
    assert added.stdout == ""
    assert registered(app) == []


@pytest.fixture
def authority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Authority:
    """A CA every default TLS context made from now on trusts (and none other)."""
    made = certificate_authority(tmp_path / "ca")
    monkeypatch.setenv("SSL_CERT_FILE", str(made.bundle))
    return made


@pytest.fixture
def https_recipient(authority: Authority) -> Iterator[Recipient]:
    """An https endpoint on 127.0.0.1 whose certificate is valid for `localhost`."""
    server = Recipient(tls=authority.server_context("localhost"))
    yield server
    server.close()


@pytest.mark.parametrize(("production", "outcome"), [(True, "failed"), (False, "delivered")])
def test_a_recipient_whose_name_resolves_to_an_internal_address_is_refused_at_delivery(
    app, client, make_key, writer, https_recipient, production, outcome
) -> None:
    """Registered while `localhost` was allowed (development, or its DNS answered a public
    address then); in production the attempt resolves it again and never connects."""
    register(app, "crm", https_recipient.url(host="localhost"), production=False)
    dpo = {"Authorization": f"Bearer {make_key('subjects:read', 'subjects:write')}"}
    body = {"subject": {"email": "port@example.kg"}, "purposes": {"personalization": True}}
    person = client.post("/v1/consents", json=body | {"source": "registration"}, headers=writer)
    person_id = person.get_json()["subject_id"]
    clock = Clock()
    transfer_id = request(client, dpo, person_id, clock)
    assert worker_for(app, clock, StandInMailer(), production=production).step()
    shown = transfer(client, dpo, person_id, transfer_id)
    assert shown["status"] == outcome, shown
    if production:
        assert https_recipient.received == []
        assert "localhost resolves to 127.0.0.1 is a loopback address" in shown["last_error"]
    else:
        assert len(https_recipient.received) == 1  # the TLS set-up itself works


def pinned_post(url: str, addresses: list[str] | None) -> tuple[int | None, str]:
    result = HttpPoster(5.0).post(
        url, b"{}", {"Content-Type": "application/json"}, connect_to=addresses
    )
    return result.status, result.detail


def test_a_pinned_connection_goes_to_the_vetted_address_and_verifies_the_host_name(
    authority: Authority,
) -> None:
    """`recipient.test` resolves nowhere (RFC 6761): only the pinned address can be reached,
    and the certificate must still be valid for the name, not for the address."""
    server = Recipient(tls=authority.server_context("recipient.test"))
    try:
        url = server.url(host="recipient.test")
        assert pinned_post(url, None)[0] is None  # the name alone leads nowhere
        assert pinned_post(url, ["127.0.0.1"]) == (200, "HTTP 200")
        [received] = server.received
        assert received.headers["Host"] == f"recipient.test:{url.split(':')[2].split('/')[0]}"
    finally:
        server.close()


def test_a_pinned_connection_refuses_a_certificate_for_another_name(authority: Authority) -> None:
    server = Recipient(tls=authority.server_context("other.test"))
    try:
        status, detail = pinned_post(server.url(host="recipient.test"), ["127.0.0.1"])
        assert status is None
        assert "CERTIFICATE_VERIFY_FAILED" in detail
        assert server.received == []
    finally:
        server.close()
