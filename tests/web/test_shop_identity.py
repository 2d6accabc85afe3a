"""With nothing configured the pages name the example shop, so a demo shows where the real
name and contact go (docs/decisions/0021); a configured shop replaces it."""

from consent_service.app import create_app
from consent_service.config import Settings
from consent_service.translations import translate
from plumbing.shop import EXAMPLE_SHOP_CONTACT, EXAMPLE_SHOP_NAME


def test_the_header_names_the_example_shop_by_default(client) -> None:
    page = client.get("/policy").get_data(as_text=True)

    assert f'<span class="brand-name">{EXAMPLE_SHOP_NAME}</span>' in page
    assert f" · {EXAMPLE_SHOP_NAME}</title>" in page


def test_the_preference_centre_gives_the_example_contact_by_default(
    client, new_subject, preferences_url
) -> None:
    page = client.get(preferences_url(new_subject({"newsletters": True})) + "?lang=en")

    expected = translate("en", "Write to us: %(contact)s") % {"contact": EXAMPLE_SHOP_CONTACT}
    assert expected in page.get_data(as_text=True)


def test_a_configured_name_replaces_the_example(environ) -> None:
    app = create_app(Settings.from_env({**environ, "CONSENT_BRAND_NAME": "Аю Дүкөн"}))
    try:
        page = app.test_client().get("/policy").get_data(as_text=True)
    finally:
        app.extensions["consent.engine"].dispose()

    assert '<span class="brand-name">Аю Дүкөн</span>' in page
    assert EXAMPLE_SHOP_NAME not in page
