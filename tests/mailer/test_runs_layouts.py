"""A run's emails are sent inside its campaign's layout, or the default one made of the brand
settings: through the real SendGrid client to the fake SendGrid, header and footer included."""

from pathlib import Path

import pytest

from mailer.adapters.email import make_backend
from mailer.services.sending.sender import Sender
from tests.fake_sendgrid import DEFAULT_KEY, FakeSendGrid
from tests.mailer.runs import MirrorRegistryClient, drive, request_run, seed, settings

LAYOUT = {
    "ky": {
        "shop_name": "Ала-Тоо дүкөнү",  # noqa: RUF001
        "logo_url": "https://ala-too.example.kg/logo.png",
        "legal_name": "Ала-Тоо Соода ЖЧК",  # noqa: RUF001
        "postal_address": "Бишкек ш., Чүй пр. 100",
        "why": "Сиз биздин жаңылыктарга жазылгансыз.",
    },
}


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


def send_through_sendgrid(unit_of_work, instance: Path, fake_sendgrid: FakeSendGrid) -> None:
    sending = settings(
        backend="sendgrid", sendgrid_api_key=DEFAULT_KEY, sendgrid_host=fake_sendgrid.url
    )
    backend = make_backend(sending, instance, sleep=lambda _seconds: None)
    drive(Sender(unit_of_work, backend, MirrorRegistryClient(unit_of_work), None, sending))


def test_a_campaign_email_carries_its_layouts_header_and_footer(
    unit_of_work, instance, fake_sendgrid: FakeSendGrid
) -> None:
    seed(unit_of_work, 3)
    request_run(unit_of_work, layout=LAYOUT)

    send_through_sendgrid(unit_of_work, instance, fake_sendgrid)

    accepted = fake_sendgrid.accepted()
    assert len(accepted) == 3
    for email in accepted:
        html, text = email.rendered("text/html"), email.rendered("text/plain")
        unsubscribe = email.headers["List-Unsubscribe"].strip("<>")
        assert '<img src="https://ala-too.example.kg/logo.png"' in html
        assert html.index("Ала-Тоо дүкөнү") < html.index("Ала-Тоо Соода ЖЧК")  # noqa: RUF001
        assert text.startswith("Ала-Тоо дүкөнү\n")  # noqa: RUF001
        for part in (html, text):
            assert "Ала-Тоо Соода ЖЧК" in part  # noqa: RUF001
            assert "Бишкек ш., Чүй пр. 100" in part
            assert "Сиз биздин жаңылыктарга жазылгансыз." in part
            assert unsubscribe in part
            assert "/preferences/" in part
            assert "%%cs-" not in part


def test_without_a_layout_the_email_is_framed_by_the_brand_settings(
    unit_of_work, instance, fake_sendgrid: FakeSendGrid
) -> None:
    seed(unit_of_work, 1)
    request_run(unit_of_work)
    shop = settings().shop

    send_through_sendgrid(unit_of_work, instance, fake_sendgrid)

    [email] = fake_sendgrid.accepted()
    for part in (email.rendered("text/html"), email.rendered("text/plain")):
        assert shop.name in part
        assert shop.legal_name in part
        assert shop.postal_address in part
        assert "<img" not in part
