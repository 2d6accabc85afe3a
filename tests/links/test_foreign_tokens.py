"""A token opens only its own kind of page; anything else is a 4xx page, never a 500 or a change."""

import uuid

import pytest

from tests.links.conftest import ONE_CLICK

PAGES = {
    "confirm": ["/confirm/{}", "/confirm/{}/resend"],
    "unsubscribe": ["/u/{}", "/u/{}/undo", "/u/{}/preferences-link"],
    "preferences": ["/preferences/{}"],
}


@pytest.fixture
def tokens(signer, sign_up) -> dict[str, str]:
    """One genuine token of each intent, all for one subject with a pending purpose."""
    subject_id = uuid.UUID(sign_up({"newsletters": True}))
    return {
        "confirm": signer.confirm_token(subject_id),
        "unsubscribe": signer.unsubscribe_token(subject_id, "newsletters"),
        "preferences": signer.preferences_token(subject_id),
    }


@pytest.mark.parametrize(
    ("page", "minted_for"),
    [(page, other) for page in PAGES for other in PAGES if other != page],
)
def test_a_token_of_another_intent_is_a_400_page_and_changes_nothing(
    client, mail_provider, csrf_field, tokens, table_counts, page: str, minted_for: str
) -> None:
    before = table_counts()
    for pattern in PAGES[page]:
        path = pattern.format(tokens[minted_for])
        body = {**csrf_field, "purpose": "newsletters"}
        assert client.post(path, data=body).status_code == 400, path
        assert client.get(path, follow_redirects=True).status_code == 400, path
    if page == "unsubscribe":
        one_click = mail_provider.post(f"/u/{tokens[minted_for]}", data=ONE_CLICK)
        assert one_click.status_code == 400
    assert table_counts() == before


GARBAGE = [
    "a",
    "." * 40,
    "..",
    "%00",
    "%F0%9F%92%A5.newsletters.x",
    "Zm9v.YmFy.YmF6",
    "0" * 32 + ".all.deadbeef.AAAAAA.AAAA",
    "x" * 4000,
    "%C3%28",
]


@pytest.mark.parametrize("token", GARBAGE)
def test_garbage_in_any_link_is_never_a_500(client, csrf_field, table_counts, token: str) -> None:
    before = table_counts()
    for patterns in PAGES.values():
        for pattern in patterns:
            path = pattern.format(token)
            for response in (
                client.get(path, follow_redirects=True),
                client.post(path, data=csrf_field),
            ):
                assert 400 <= response.status_code < 500, (path, response.status_code)
                assert response.mimetype == "text/html"
    assert table_counts() == before
